-- create_folder_listings: the folders a batch source walked, as last listed (--db reloads).
-- inputs: none
-- outputs: folder_listings (table, created if absent)
-- params: none
-- slots: none
-- One row per folder: its mtime when listed, when the listing was made (epoch ns), and the
-- names of its log files and subfolders, each joined by '/' (no file name holds one). A reload
-- lists again only folders whose mtime differs or is within 2 s of listed_ns (racy); for the
-- others it stats the remembered files (planalyzer/sources/folder_memo.py). Written in the
-- load's transaction, with the manifest.
CREATE TABLE IF NOT EXISTS folder_listings (
    folder VARCHAR PRIMARY KEY,
    mtime_ns BIGINT NOT NULL,
    listed_ns BIGINT NOT NULL,
    files VARCHAR NOT NULL,
    dirs VARCHAR NOT NULL
)
