-- me_scope_rows: the rows of one subscriber (user $user) in a store, from files of the given
-- formats only (every file of theirs when $all_formats): what `me` analyses, never other
-- users' rows. A row's format is its file's in load_manifest (claude-code, codex ...).
-- inputs: {{table}}: events or rate_limit_snapshots; load_manifest
-- outputs: the table's rows (all columns)
-- params: $user, $formats, $all_formats
-- slots: {{table}}
SELECT t.*
FROM {{table}} AS t
WHERE t.user_id = $user
  AND ($all_formats OR t.source IN (
      SELECT m.source FROM load_manifest AS m WHERE list_contains($formats, m.format)))
