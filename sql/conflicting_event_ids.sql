-- conflicting_event_ids: event ids held by copies that are not one request (they disagree on
-- user_id or model, or lie more than $max_apart_us apart), among the ids of files read now.
-- inputs: events, load_manifest, dup_copies (temp table, sql/stage_duplicate_copies.sql,
--         staged with the key event_id: the rows of the ids that repeat and that a row of this
--         load holds)
-- outputs: no row when there are none; else one row: n (how many such event ids), the first
--          such id (of the first row, by file and row, of a file read now that holds one),
--          and a pair of its copies: a, its earliest copy (by time, file, row), and b, the
--          first copy (by file and row) that disagrees with a; of each: source, source_row,
--          user_id, model, ts (epoch microseconds), whether a file read now holds it (new)
--          and its file's mapping as the manifest holds it (NULL for a file read first now)
-- params: $sources (the files read now whose ids are checked), $max_apart_us
-- slots: none
-- Run before sql/rank_duplicate_events.sql, only when a dedupe key repeats
-- (sql/repeated_key_hashes.sql). The staged copies' ids (their hashes) are grouped with
-- fixed-size aggregates (the hash of user_id and model, the times): only the groups whose
-- copies disagree are read from events and compared exactly, by id (a hash shared by two ids
-- is no conflict), so a load whose copies agree pays for the grouping alone. CPU, medians
-- on a busy 2-core machine (bench/bench_dedupe.py): 6,666,668 events holding 1,666,668
-- repeated ids, all read now: 0.95 s of the dedupe step's 10.1 s (as its own pass over
-- events: 2.6 of 11.4 s); 5,001,000 events of which 1,000 read now (a --db load adding a
-- file): 0.01 s of 2.3 s (as its own pass: 0.22 of 2.8 s). A load with no repeated id runs
-- none of it.
WITH suspects AS (
    SELECT h
    FROM dup_copies
    GROUP BY h
    HAVING bool_or(list_contains($sources, source))
        AND (min(hu) <> max(hu) OR max(ts_us) - min(ts_us) > $max_apart_us)
),
copies AS MATERIALIZED (
    SELECT event_id AS k, source, source_row, user_id, model, epoch_us(ts) AS ts_us,
           list_contains($sources, source) AS is_new
    FROM events
    WHERE event_id IS NOT NULL AND hash(event_id) IN (SELECT h FROM suspects)
),
conflicting AS MATERIALIZED (
    SELECT k
    FROM copies
    GROUP BY k
    HAVING count(*) > 1 AND bool_or(is_new)
        AND (min(user_id) <> max(user_id) OR min(model) <> max(model)
             OR max(ts_us) - min(ts_us) > $max_apart_us)
),
first_key AS (
    SELECT c.k
    FROM copies AS c
    WHERE c.is_new AND c.k IN (SELECT k FROM conflicting)
    ORDER BY c.source, c.source_row
    LIMIT 1
),
a AS (
    SELECT c.*
    FROM copies AS c
    WHERE c.k = (SELECT k FROM first_key)
    ORDER BY c.ts_us, c.source, c.source_row
    LIMIT 1
),
b AS (
    SELECT c.*
    FROM copies AS c, a
    WHERE c.k = a.k
        AND (c.user_id <> a.user_id OR c.model <> a.model OR c.ts_us - a.ts_us > $max_apart_us)
    ORDER BY c.source, c.source_row
    LIMIT 1
)
SELECT
    (SELECT count(*) FROM conflicting) AS n, a.k AS event_id,
    a.source AS a_source, a.source_row AS a_row, a.user_id AS a_user, a.model AS a_model,
    a.ts_us AS a_ts_us, a.is_new AS a_new,
    (SELECT m.mapping FROM load_manifest AS m WHERE m.source = a.source) AS a_mapping,
    b.source AS b_source, b.source_row AS b_row, b.user_id AS b_user, b.model AS b_model,
    b.ts_us AS b_ts_us, b.is_new AS b_new,
    (SELECT m.mapping FROM load_manifest AS m WHERE m.source = b.source) AS b_mapping
FROM a, b
