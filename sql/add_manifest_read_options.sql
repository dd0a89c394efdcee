-- add_manifest_read_options: give a store an older planalyzer made the read_options column.
-- inputs: load_manifest
-- outputs: load_manifest with a read_options column (NULL in the rows it holds: their options
--          are unknown); nothing changes in a store that has it
-- params: none
-- slots: none
-- Run when a store is opened for writing (a load), after create_load_manifest.
ALTER TABLE load_manifest ADD COLUMN IF NOT EXISTS read_options VARCHAR
