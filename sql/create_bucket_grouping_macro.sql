-- create_bucket_grouping_macro: pa_bucket_grouping(id): what a usage-API bucket id names
--   besides the bucket's start.
-- inputs: the macro's argument: an event id '<layout>:<start>/<width s>:<grouping>', a
--         dashboard CSV row's ending in '#<n>' where it is the n-th of its file with that
--         bucket and grouping (sql/overlapping_buckets.sql lists the ids' makers)
-- outputs: temp macro pa_bucket_grouping: '<layout>:<width s>:<grouping>' ('#<n>' left out),
--          the same for every bucket of one export's grouping (user, project, key, model ...)
--          whatever its start; split_part(.., ':', 2) is the width in seconds
-- params: none
-- slots: none
-- An Anthropic start an older planalyzer stored is an ISO time, with ':' in it (now epoch
-- seconds: sql/create_instant_id_macro.sql): the width follows the first '/'. Used by
-- sql/insert_bucket_fetches.sql and sql/finished_bucket_copies.sql (planalyzer.bucket_copies).
CREATE OR REPLACE TEMP MACRO pa_bucket_grouping(id) AS
    split_part(id, ':', 1) || ':'
    || CASE WHEN contains(id, '#')
            THEN regexp_replace(substr(id, strpos(id, '/') + 1), '#[0-9]+$', '')
            ELSE substr(id, strpos(id, '/') + 1) END
