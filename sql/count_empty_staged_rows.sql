-- count_empty_staged_rows: rows of a staged file with every column NULL (a line read leniently).
-- inputs: {{table}} (a staged JSON-lines file, sql/stage_source.sql)
-- outputs: one row: n
-- params: none
-- slots: {{table}}
-- read_json(ignore_errors = true) keeps a line it cannot parse as such a row; so does "{}".
SELECT count(*) AS n FROM {{table}}
WHERE COLUMNS(* EXCLUDE ("__planalyzer_row", "__planalyzer_raw")) IS NULL
