-- rank_duplicate_events: the copies of each dedupe key to drop, and the file of the copy kept.
-- inputs: events, variable planalyzer_gone_sources; {{key}}: the dedupe key expression
--         (event_id, or columns the user named, quoted by the library)
-- outputs: dup_dropped (temp table): rid (the events rowid), source and kept_source (the file
--          of the key's copy kept) of every copy to drop (sql/drop_duplicate_events.sql)
-- params: $new_sources
-- slots: {{key}}
-- Keeps, per key: a row loaded earlier over one of this load ($new_sources), then the copy with
-- the most tokens, then the first file and row; but a row of a file gone from disk
-- (planalyzer_gone_sources: a Codex rollout archived or deleted) after every copy a file on
-- disk holds, as a load without --db, which never sees the gone file, keeps that copy. Hash
-- candidates first so the exact comparison runs only over keys seen more than once.
-- kept_source is recorded in duplicate_links (sql/create_duplicate_links.sql).
CREATE OR REPLACE TEMP TABLE dup_dropped AS
WITH keyed AS (
    SELECT rowid AS rid, {{key}} AS k, source, source_row,
           list_contains($new_sources, source) AS is_new,
           input_tokens + cache_write_tokens + cache_write_1h_tokens + cache_read_tokens
               + output_tokens AS total_tokens
    FROM events
),
candidates AS (
    SELECT hash(k) AS h
    FROM keyed
    WHERE k IS NOT NULL
    GROUP BY h
    HAVING count(*) > 1 AND bool_or(is_new)
),
ranked AS (
    SELECT rid, source,
           row_number() OVER copies AS copy_rank,
           first_value(source) OVER copies AS kept_source
    FROM keyed
    WHERE hash(k) IN (SELECT h FROM candidates)
    WINDOW copies AS (
        PARTITION BY k
        ORDER BY CASE WHEN source IN (SELECT unnest(getvariable('planalyzer_gone_sources')))
                          THEN 2
                      WHEN is_new THEN 1 ELSE 0 END,
            total_tokens DESC, source, source_row
    )
)
SELECT rid, source, kept_source FROM ranked WHERE copy_rank > 1
