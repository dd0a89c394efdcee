-- spread_event_ids: the event ids staged for the dedupe whose copies differ (in user_id and
-- model, time or tokens, compared by their hashes), with the copies earlier loads dropped,
-- for the conflict check and the record of the copies dropped (planalyzer.id_conflicts).
-- inputs: dup_copies (temp table, sql/stage_duplicate_copies.sql, staged with the key
--         event_id), dropped_copies (sql/create_dropped_copies.sql: copies of the staged ids
--         that earlier loads dropped, where they differ from the copy kept)
-- outputs: dup_spread (temp table): h (the id's hash), checked (a file of $sources holds a
--          copy), users_differ (the hashes of user_id and model), span_us (the latest copy's
--          time less the earliest's), tokens_differ (the hashes of the token classes); the
--          statement returns one row, the rows written (DuckDB's count of a CREATE TABLE AS)
-- params: $sources (the files read now whose ids are checked)
-- slots: none
-- Grouped with fixed-size aggregates (costs: sql/conflicting_event_ids.sql). Where every
-- copy of every id agrees (an export downloaded twice) the table is empty, and neither the
-- check (sql/conflicting_event_ids.sql reads the ids it holds) nor the record of dropped
-- copies (sql/record_dropped_copies.sql) runs.
CREATE OR REPLACE TEMP TABLE dup_spread AS
SELECT h, bool_or(list_contains($sources, source)) AS checked,
       min(hu) <> max(hu) AS users_differ, max(ts_us) - min(ts_us) AS span_us,
       min(ht) <> max(ht) AS tokens_differ
FROM (SELECT h, source, hu, ts_us,
             hash(total_tokens, output_tokens, cache_write_1h_tokens, cache_write_tokens,
                  cache_read_tokens) AS ht
      FROM dup_copies
      UNION ALL
      SELECT h, source, hash(user_id, model) AS hu, ts_us,
             hash(input_tokens + cache_write_tokens + cache_write_1h_tokens
                      + cache_read_tokens + output_tokens,
                  output_tokens, cache_write_1h_tokens, cache_write_tokens,
                  cache_read_tokens) AS ht
      FROM dropped_copies
      WHERE h IN (SELECT h FROM dup_copies))
GROUP BY h
HAVING min(hu) <> max(hu) OR min(ts_us) <> max(ts_us) OR min(ht) <> max(ht)
