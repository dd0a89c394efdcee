-- delete_staged_rows: take rows out of a staged file (lines its reader kept as empty rows).
-- inputs: {{table}} (a staged file, sql/stage_source.sql)
-- outputs: {{table}} without the rows numbered in $rows
-- params: $rows
-- slots: {{table}}
DELETE FROM {{table}} WHERE "__planalyzer_row" IN (SELECT unnest($rows::BIGINT[]))
