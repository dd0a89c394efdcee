-- current_insertion_order: the connection's preserve_insertion_order setting (to restore it).
-- inputs: none
-- outputs: one row: preserve (BOOLEAN)
-- params: none
-- slots: none
SELECT CAST(current_setting('preserve_insertion_order') AS BOOLEAN) AS preserve
