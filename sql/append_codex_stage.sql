-- append_codex_stage: add a Codex batch's next chunk of parsed rows (or rate-limit readings)
-- to its temp table (sql/create_codex_stage.sql).
-- inputs: {{source}} (a registered Arrow table of the same columns)
-- outputs: temp table {{table}} (rows appended)
-- params: none
-- slots: {{table}}, {{source}}
INSERT INTO {{table}} SELECT * FROM {{source}}
