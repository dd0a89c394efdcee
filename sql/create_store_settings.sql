-- create_store_settings: properties of a --db store as a whole (its dedupe key).
-- inputs: none
-- outputs: store_settings (table, created if absent)
-- params: none
-- slots: none
-- One row per setting: name 'dedupe_on' holds the --dedupe-on columns every load into the
-- store used ('' for event_id), recorded by its first load; a load asking for another is
-- refused (planalyzer/file_options.py). Created by loads only: analysis does not read it.
CREATE TABLE IF NOT EXISTS store_settings (
    name VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
)
