-- skipped_row_kinds: the rows of one source file that are not model calls, counted by kind.
-- inputs: {{checked_rows}} (sql/checked_rows.sql rendered over the file's projection)
-- outputs: skip_kind, n: one row per kind (none where every row is a usage row)
-- params: none (the checked_rows slot brings its own)
-- slots: {{checked_rows}}
-- A LiteLLM cache hit (served by the proxy, no provider call), a failed request with no
-- tokens, a Langfuse SPAN or EVENT: not rows of usage, so not in rows read either; the load
-- shows them with the transcript lines that carry no usage (skipped_lines).
SELECT skip_kind, count(*) AS n
FROM ({{checked_rows}}) AS c
WHERE c.skip_kind IS NOT NULL
GROUP BY skip_kind
ORDER BY skip_kind
