-- stage_source: one CSV or JSON-lines file read once into a temp table.
-- inputs: {{reader}} (read_csv / read_json over $path, sql text from planalyzer.sources.tabular)
-- outputs: temp table {{table}}: the file's columns, plus "__planalyzer_row" (its row number,
--          1-based, in file order) and "__planalyzer_raw" (the row as JSON, kept for rejects)
-- params: none (the reader slot binds the file path)
-- slots: {{table}}, {{reader}}
-- A text file is parsed (and decompressed) once: the load's column check, its independent row
-- count and the checks of every row read this table, where each would otherwise parse the
-- whole file again (sampling JSON's types with sample_size = -1 included). The two extra
-- columns are named in planalyzer.sources.tabular (STAGE_COLUMNS), which hides them.
CREATE OR REPLACE TEMP TABLE {{table}} AS
SELECT src.*, row_number() OVER () AS "__planalyzer_row", to_json(src) AS "__planalyzer_raw"
FROM {{reader}}
