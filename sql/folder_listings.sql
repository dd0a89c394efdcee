-- folder_listings: every remembered folder listing, read once per --db load.
-- inputs: folder_listings
-- outputs: one row per folder: folder, mtime_ns, listed_ns, files, dirs
-- params: none
-- slots: none
SELECT folder, mtime_ns, listed_ns, files, dirs
FROM folder_listings
