-- create_codex_stage: a temp table holding a Codex batch's first chunk of parsed rows (or
-- rate-limit readings), until the batch decides which copies it keeps.
-- inputs: {{source}} (a registered Arrow table: planalyzer.sources.codex._stage)
-- outputs: temp table {{table}}
-- params: none
-- slots: {{table}}, {{source}}
CREATE OR REPLACE TEMP TABLE {{table}} AS SELECT * FROM {{source}}
