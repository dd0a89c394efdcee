-- me_scope_rows: the rows of the files `me` read (me_files: their events.source paths), whatever
-- user id an earlier load stored them under, from files of the given formats only (every file
-- of theirs when $all_formats): what `me` analyses, never rows of other files in the store.
-- Copied rows get the user id $user. A row's format is its file's in load_manifest.
-- inputs: {{table}}: events or rate_limit_snapshots; me_files (source); load_manifest
-- outputs: the table's rows (all columns, user_id replaced)
-- params: $user, $formats, $all_formats
-- slots: {{table}}
SELECT t.* REPLACE ($user AS user_id)
FROM {{table}} AS t
WHERE t.source IN (SELECT f.source FROM me_files AS f)
  AND ($all_formats OR t.source IN (
      SELECT m.source FROM load_manifest AS m WHERE list_contains($formats, m.format)))
