-- insert_folder_listings: record the listings of the folders a load listed.
-- inputs: one bound list per column of folder_listings, all of one length
-- outputs: folder_listings (one row per folder; sql/delete_folder_listings.sql first removes
--          the rows of folders listed again)
-- params: $folder, $mtime_ns, $listed_ns, $files, $dirs
-- slots: none
INSERT INTO folder_listings
SELECT
    unnest($folder::VARCHAR[]) AS folder,
    unnest($mtime_ns::BIGINT[]) AS mtime_ns,
    unnest($listed_ns::BIGINT[]) AS listed_ns,
    unnest($files::VARCHAR[]) AS files,
    unnest($dirs::VARCHAR[]) AS dirs
