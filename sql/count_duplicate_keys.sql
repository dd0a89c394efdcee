-- count_duplicate_keys: how many dedupe-key hashes occur more than once in events (cheap check).
-- inputs: events; {{key}}: the dedupe key expression (event_id, or quoted columns the user named)
-- outputs: one row: n (0 means no duplicates, so rank_duplicate_events need not run)
-- params: none
-- slots: {{key}}
-- Hashing one column is a fraction of the load's cost; the exact comparison runs only when a
-- hash repeats.
SELECT count(*) AS n
FROM (
    SELECT hash({{key}}) AS h
    FROM events
    WHERE {{key}} IS NOT NULL
    GROUP BY h
    HAVING count(*) > 1
)
