-- insert_rate_limit_snapshots: keep the rate-limit readings of a Codex batch.
-- inputs: codex_limits, codex_files (registered Arrow tables), events (the batch's events
--         already inserted), variable planalyzer_gone_sources
-- outputs: rate_limit_snapshots (rows appended)
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
-- one; the same time, window and percent: its token_count events without usage carry no
-- event to check) is not kept twice either.
INSERT INTO rate_limit_snapshots
SELECT
    f.source, CAST(l.ts AS TIMESTAMPTZ), f.user_id, l.plan_type, l."window", l.window_minutes,
    l.used_percent,
    coalesce(to_timestamp(l.resets_at_epoch),
             CAST(l.ts AS TIMESTAMPTZ) + to_seconds(l.resets_in_seconds))
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
        AND parse_filename(o.source) = parse_filename(f.source)
        AND o.source NOT IN (SELECT unnest(getvariable('planalyzer_gone_sources'))))
