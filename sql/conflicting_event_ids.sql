-- conflicting_event_ids: event ids held by copies that are not one request (they disagree on
-- user_id or model, lie more than $max_apart_us apart, or two of them differ both in time and
-- in tokens), among the ids of files read now.
-- inputs: events, load_manifest, dup_spread (temp table, sql/spread_event_ids.sql: per hash
--         of the ids staged for the dedupe, sql/stage_duplicate_copies.sql, whose copies
--         differ, how they differ), dropped_copies (sql/create_dropped_copies.sql: copies of
--         those ids that earlier loads dropped, where they differ from the copy kept)
-- outputs: no row when there are none; else one row: n (how many such event ids), the first
--          such id (of the first row, by file and row, of a file read now that holds one),
--          and a pair of its copies: a, its earliest copy (by time, file, row), and b, the
--          first copy (by file and row) that disagrees with a, on user_id, model or a time more
--          than $max_apart_us later first, else in time and tokens (where every copy agrees with a
--          on its time or on its tokens, a is the first copy of a's time with other tokens
--          and b the first copy of another time); of each: source, source_row, user_id,
--          model, ts (epoch microseconds), whether a file read now holds it (new), its file's
--          mapping as the manifest holds it (NULL for a file read first now); then a's and
--          b's tokens (a list: input, cache_write, cache_write_1h, cache_read, output), and
--          whether each is a copy an earlier load dropped (recorded: dropped_copies)
-- params: $sources (the files read now whose ids are checked), $max_apart_us
-- slots: none
-- Run before sql/rank_duplicate_events.sql, only when a dedupe key repeats
-- (sql/repeated_key_hashes.sql). Copies of one request may differ in time (its duration, a
-- time zone read another way: the same tokens) or in tokens (a usage bucket or a generation
-- fetched again as it grew: the same time, a bucket's start or the request's), not in both:
-- an id numbering each file's rows pairs requests of other times and tokens (qa16C #1: two
-- daily files of one user and model). Two copies differing in both exist where the id's
-- copies hold two times and two token counts (of A, B differing in time, the same tokens; a
-- C of other tokens shares A's time and B's, which differ). The staged copies' ids (their
-- hashes) are grouped with fixed-size aggregates (the hash of user_id and model, the times,
-- the tokens): only the groups whose copies disagree are read from events and compared
-- exactly, by id (a hash shared by two ids is no conflict), so a load whose copies agree pays
-- for the grouping alone. CPU, medians on a busy 2-core machine (bench/bench_dedupe.py):
-- 6,666,668 events holding 1,666,668 repeated ids, all read now: 0.95 s of the dedupe step's
-- 10.1 s (as its own pass over events: 2.6 of 11.4 s); 5,001,000 events of which 1,000 read
-- now (a --db load adding a file): 0.01 s of 2.3 s (as its own pass: 0.22 of 2.8 s). A load
-- with no repeated id runs none of it. With the time-and-tokens rule (one hash of the token
-- classes per staged copy, compared as min/max), bench/bench_dedupe.py many, copies 1 hour
-- apart with the same tokens, 1 round: 0.88 s of 8.65 s (0.61 of 7.89 s without the rule;
-- ten min/max of the classes instead of the hash: 1.84 of 10.47 s, 2 rounds).
-- The copies an earlier load dropped (dropped_copies) are judged with the rows events holds,
-- as a load of every file at once judges every copy (qa17A #1: of A and B, the same tokens 2
-- hours apart, a --db load kept B and forgot A's time; C, of B's time with more tokens, then
-- passed, though a load of the three refuses A and C): those of the staged ids, looked up by
-- their hash, never an event id's copy that no file read now holds. The grouping by hash is
-- sql/spread_event_ids.sql's (run only where it holds rows), shared with the record of the
-- copies dropped (sql/record_dropped_copies.sql).
WITH suspects AS (
    SELECT h
    FROM dup_spread
    WHERE checked AND (users_differ OR span_us > $max_apart_us OR (span_us > 0 AND tokens_differ))
),
copies AS MATERIALIZED (
    SELECT event_id AS k, source, source_row, user_id, model, epoch_us(ts) AS ts_us,
           list_contains($sources, source) AS is_new, false AS recorded,
           [input_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens,
            output_tokens] AS tokens
    FROM events
    WHERE event_id IS NOT NULL AND hash(event_id) IN (SELECT h FROM suspects)
    UNION ALL
    SELECT event_id AS k, source, source_row, user_id, model, ts_us, false AS is_new,
           true AS recorded,
           [input_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens,
            output_tokens] AS tokens
    FROM dropped_copies
    WHERE h IN (SELECT h FROM suspects)
),
conflicting AS MATERIALIZED (
    SELECT k
    FROM copies
    GROUP BY k
    HAVING count(*) > 1 AND bool_or(is_new)
        AND (min(user_id) <> max(user_id) OR min(model) <> max(model)
             OR max(ts_us) - min(ts_us) > $max_apart_us
             OR (min(ts_us) <> max(ts_us) AND min(tokens) <> max(tokens)))
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
        AND (c.user_id <> a.user_id OR c.model <> a.model OR c.ts_us - a.ts_us > $max_apart_us
             OR (c.ts_us <> a.ts_us AND c.tokens <> a.tokens))
    ORDER BY c.user_id = a.user_id AND c.model = a.model AND c.ts_us - a.ts_us <= $max_apart_us,
        c.source, c.source_row
    LIMIT 1
),
-- no copy differs from a in both: one of a's time with other tokens, one of another time
-- (with a's tokens) differ in both
a2 AS (
    SELECT c.*
    FROM copies AS c, a
    WHERE c.k = a.k AND c.ts_us = a.ts_us AND c.tokens <> a.tokens
        AND NOT EXISTS (SELECT 1 FROM b)
    ORDER BY c.source, c.source_row
    LIMIT 1
),
b2 AS (
    SELECT c.*
    FROM copies AS c, a
    WHERE c.k = a.k AND c.ts_us <> a.ts_us AND NOT EXISTS (SELECT 1 FROM b)
    ORDER BY c.source, c.source_row
    LIMIT 1
),
pair AS (
    SELECT a AS x, b AS y FROM a, b
    UNION ALL
    SELECT a2 AS x, b2 AS y FROM a2, b2
)
SELECT
    (SELECT count(*) FROM conflicting) AS n, x.k AS event_id,
    x.source AS a_source, x.source_row AS a_row, x.user_id AS a_user, x.model AS a_model,
    x.ts_us AS a_ts_us, x.is_new AS a_new,
    (SELECT m.mapping FROM load_manifest AS m WHERE m.source = x.source) AS a_mapping,
    y.source AS b_source, y.source_row AS b_row, y.user_id AS b_user, y.model AS b_model,
    y.ts_us AS b_ts_us, y.is_new AS b_new,
    (SELECT m.mapping FROM load_manifest AS m WHERE m.source = y.source) AS b_mapping,
    x.tokens AS a_tokens, y.tokens AS b_tokens, x.recorded AS a_recorded,
    y.recorded AS b_recorded
FROM pair
