-- delete_folder_listings: drop the listings of folders listed again or gone.
-- inputs: folder_listings, $folders
-- outputs: folder_listings (their rows deleted; sql/insert_folder_listings.sql writes new ones)
-- params: $folders
-- slots: none
DELETE FROM folder_listings
WHERE folder IN (SELECT unnest($folders::VARCHAR[]))
