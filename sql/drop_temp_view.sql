-- drop_temp_view: free a temp view of a batch load.
-- inputs: none
-- outputs: {{view}} dropped if it exists
-- params: none
-- slots: {{view}}
DROP VIEW IF EXISTS {{view}}
