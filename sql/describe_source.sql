-- describe_source: the column names and types of one source file, as DuckDB reads it.
-- inputs: {{reader}} (a read_csv / read_json / read_parquet call over $path)
-- outputs: column_name, column_type, ...
-- params: none (the reader slot binds the file path)
-- slots: {{reader}}
DESCRIBE SELECT * FROM {{reader}}
