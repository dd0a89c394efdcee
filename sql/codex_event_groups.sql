-- codex_event_groups: per file, the session parts of its Codex event ids
-- (codex:<root session>:<total>): a Codex file can hold a copy of another file's event only
-- when both have the same root session (an archived copy, a fork).
-- inputs: events
-- outputs: one row per (source, grp) among $sources
-- params: $sources
-- slots: none
-- The files are joined as a table (list_contains would compare every event with every file:
-- seconds where thousands of files are gone).
SELECT DISTINCT source, regexp_extract(event_id, '^(codex:.*):[^:]*$', 1) AS grp
FROM events
WHERE source IN (SELECT unnest($sources::VARCHAR[])) AND starts_with(event_id, 'codex:')
