-- create_bucket_fetches: what each usage-API export a load read says of when it was fetched,
-- for the check of bucket copies across --db loads (planalyzer.bucket_copies).
-- inputs: none
-- outputs: bucket_fetches (table, created if absent)
-- params: none
-- slots: none
-- One row per file and grouping of its bucket ids (pa_bucket_grouping:
-- sql/create_bucket_grouping_macro.sql): last_us, the start (epoch microseconds) of the
-- latest bucket of that grouping the file holds (a fetch is taken after the start of every
-- bucket it holds, so the buckets of that grouping that ended a day or more before it were
-- finished when it was fetched); repeated, whether the file holds a bucket id of that
-- grouping more than once (pages appended to one file as a job fetched them: its copies may
-- be of several times); numbered, whether it holds several rows of a bucket of that grouping
-- (a dashboard CSV's '#<n>' ids: only then can copies of an id tie with other counts,
-- sql/tied_bucket_ids.sql); cut_us, the start of the bucket of that grouping the fetch's
-- start_time cut short, if any (OpenAI's Usage API starts a fetch's first bucket at its
-- start_time: sql/project_openai_usage_json.sql; NULL where none, and in a store an older
-- planalyzer wrote: sql/add_bucket_fetch_cut.sql). Written from a file's rows when it is read (sql/insert_bucket_fetches.sql,
-- before the dedupe drops any), so a stored file keeps what its rows said though later loads
-- dropped some of them as duplicates (a running bucket replaced by a later fetch's copy), as
-- a load of every file at once sees them. Deleted with the file's rows (a reload, a file
-- gone leaving the store), moved with them (planalyzer/store_moves.py). A file an older
-- planalyzer stored has none: it is judged as before (sql/bucket_fetch_files.sql). Created
-- by loads only: analysis does not read it.
CREATE TABLE IF NOT EXISTS bucket_fetches (
    source VARCHAR NOT NULL,
    grouping VARCHAR NOT NULL,
    last_us BIGINT NOT NULL,
    repeated BOOLEAN NOT NULL,
    numbered BOOLEAN NOT NULL,
    cut_us BIGINT
)
