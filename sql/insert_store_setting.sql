-- insert_store_setting: record a setting of a --db store (once: a load refuses another value).
-- inputs: $name, $value
-- outputs: store_settings (one row)
-- params: $name, $value
-- slots: none
INSERT INTO store_settings VALUES ($name, $value)
