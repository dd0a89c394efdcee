-- count_source_rows: rows in one source file, counted independently of the load's own inserts.
-- inputs: {{reader}} (a read_csv / read_json / read_parquet call over $path)
-- outputs: one row: n
-- params: none (the reader slot binds the file path)
-- slots: {{reader}}
SELECT count(*) AS n FROM {{reader}}
