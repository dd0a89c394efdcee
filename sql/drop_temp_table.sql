-- drop_temp_table: free a staging table of a batch load.
-- inputs: none
-- outputs: {{table}} dropped if it exists
-- params: none
-- slots: {{table}}
DROP TABLE IF EXISTS {{table}}
