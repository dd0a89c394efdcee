-- set_memory_limit: bound DuckDB's memory; larger work spills to disk instead of growing.
-- inputs: none
-- outputs: the connection's memory_limit setting
-- params: $limit
-- slots: none
SET memory_limit = $limit
