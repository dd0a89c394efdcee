-- create_duplicate_links: which file held the kept copy of the rows a file dropped as
-- duplicates, for a --db store's reloads.
-- inputs: none
-- outputs: duplicate_links (table, created if absent)
-- params: none
-- slots: none
-- One row per distinct pair: source dropped rows as duplicates of rows kept from kept_source
-- (another file: a file's copies of its own rows, a transcript's streamed lines, need no row).
-- A reloaded file's old rows are deleted; the files linked to it are read again with it, so
-- the dedupe runs again over both and a request the reloaded file no longer holds is kept
-- from another copy (planalyzer/store.py; only those files: a store of thousands of
-- transcripts and a CSV whose export changed reads the CSV alone). kept_source NULL: not
-- known (rows a store made before this table dropped: sql/mark_unknown_duplicate_links.sql),
-- read again when any file is reloaded. A file's rows are written when it is read (a
-- transcript's new lines add to them) and deleted when its rows are.
-- Created by loads only: analysis does not read it.
CREATE TABLE IF NOT EXISTS duplicate_links (
    source VARCHAR NOT NULL,
    kept_source VARCHAR
)
