-- add_bucket_fetch_cut: give a store an older planalyzer made the column of bucket_fetches it
-- lacks (cut_us).
-- inputs: bucket_fetches (sql/create_bucket_fetches.sql)
-- outputs: bucket_fetches with the column (NULL in the rows it holds: their files read no
--          bucket as cut short, as that planalyzer read them); nothing changes in a store
--          that has it
-- params: none
-- slots: none
-- Run when a store is opened for writing, after create_bucket_fetches.
ALTER TABLE bucket_fetches ADD COLUMN IF NOT EXISTS cut_us BIGINT
