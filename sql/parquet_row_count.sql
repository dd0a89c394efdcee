-- parquet_row_count: rows in a parquet file, from its footer (independent of the load itself).
-- inputs: parquet_metadata($path)
-- outputs: one row: n
-- params: $path
-- slots: none
SELECT coalesce(sum(num_rows), 0) AS n
FROM (
    SELECT DISTINCT row_group_id, row_group_num_rows AS num_rows
    FROM parquet_metadata($path)
)
