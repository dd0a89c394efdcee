-- insert_rate_limit_snapshots: keep the rate-limit readings of a Codex batch.
-- inputs: codex_limits (temp view: sql/create_codex_limits_view.sql), codex_files (a
--         registered Arrow table), events (the batch's events
--         already inserted), variable planalyzer_gone_sources
-- outputs: rate_limit_snapshots (rows appended, matched by column name)
-- params: none
-- slots: none
-- resets_at comes as epoch seconds (newer Codex) or as seconds from the reading (older).
-- replay_of: the event_id of the token_count event the reading came with; where another file's
-- event holds that id (a fork's parent loaded now or before, or a fork loaded before its
-- parent, or a session's other copy loaded before), the event and its reading are copies of
-- that file's and the reading is not kept twice (the event is dropped as a duplicate); unless
-- that file is gone from disk (planalyzer_gone_sources: the rollout archived or deleted): then
-- this copy's event is kept and its reading with it (the gone file's are dropped:
-- planalyzer/store_gone.py). A reading the same as one another copy of the rollout on disk holds
-- (a file of the same name: the session's archived copy read in a later run than its active
-- one; the same time, window, limit and percent: its token_count events without usage carry
-- no event to check) is not kept twice either.
-- limit_id: 'codex' (the plan's own limit) where Codex logged none (versions before model
-- buckets); NULL is left to readings an older planalyzer stored, whose limit is unknown.
INSERT INTO rate_limit_snapshots BY NAME
SELECT
    f.source AS source, CAST(l.ts AS TIMESTAMPTZ) AS ts, f.user_id AS user_id,
    l.plan_type AS plan_type, l."window" AS "window", l.window_minutes AS window_minutes,
    l.used_percent AS used_percent,
    coalesce(to_timestamp(l.resets_at_epoch),
             CAST(l.ts AS TIMESTAMPTZ) + to_seconds(l.resets_in_seconds)) AS resets_at,
    coalesce(l.limit_id, 'codex') AS limit_id, l.limit_name AS limit_name
FROM codex_limits AS l
JOIN codex_files AS f ON f.file_idx = l.file_idx
WHERE TRY_CAST(l.ts AS TIMESTAMPTZ) IS NOT NULL
  AND (l.replay_of IS NULL OR NOT EXISTS (
      SELECT 1 FROM events AS e
      WHERE e.event_id = l.replay_of AND e.source <> f.source
        AND e.source NOT IN (SELECT unnest(getvariable('planalyzer_gone_sources')))))
  AND NOT EXISTS (
      SELECT 1 FROM rate_limit_snapshots AS o
      WHERE o.ts = CAST(l.ts AS TIMESTAMPTZ) AND o."window" = l."window"
        AND o.used_percent = l.used_percent AND o.source <> f.source
        AND coalesce(o.limit_id, 'codex') = coalesce(l.limit_id, 'codex')
        AND parse_filename(o.source) = parse_filename(f.source)
        AND o.source NOT IN (SELECT unnest(getvariable('planalyzer_gone_sources'))))
