-- codex_event_groups: per file, the session parts of its Codex event ids
-- (codex:<root session>:<total>): a Codex file can hold a copy of another file's event only
-- when both have the same root session (an archived copy, a fork).
-- inputs: events
-- outputs: one row per (source, grp) among $sources
-- params: $sources
-- slots: none
SELECT DISTINCT source, regexp_extract(event_id, '^(codex:.*):[^:]*$', 1) AS grp
FROM events
WHERE list_contains($sources, source) AND starts_with(event_id, 'codex:')
