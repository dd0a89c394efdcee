-- store_setting: one setting of a --db store.
-- inputs: store_settings
-- outputs: zero or one row: value
-- params: $name
-- slots: none
SELECT value FROM store_settings WHERE name = $name
