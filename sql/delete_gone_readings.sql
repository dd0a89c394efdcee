-- delete_gone_readings: the rate-limit readings of a gone file's that a file on disk holds too.
-- inputs: rate_limit_snapshots, variable planalyzer_gone_sources
-- outputs: rate_limit_snapshots (readings of the files in $sources deleted: those at the paired
--          $ts_us, epoch microseconds, and those a file on disk holds the same)
-- params: $sources, $ts_us
-- slots: none
-- $sources are gone files that lost requests to copies on disk. A Codex reading comes with its
-- token_count event, at the event's time: the copy on disk brought its own readings
-- (sql/insert_rate_limit_snapshots.sql keeps them when the other copy is a gone file's), so
-- the gone file's readings at the times of the events it lost ($ts_us) are dropped, and so is
-- any reading of it that another copy of the rollout on disk (a file of the same name) logged
-- the same (time, window, limit and percent: the archived copy's readings of token_count events
-- without usage, or of repeated ones): a reading is never kept twice.
DELETE FROM rate_limit_snapshots AS r
WHERE list_contains($sources::VARCHAR[], r.source)
  AND (EXISTS (
           SELECT 1
           FROM (SELECT unnest($sources::VARCHAR[]) AS source,
                        unnest($ts_us::BIGINT[]) AS ts_us) AS d
           WHERE d.source = r.source AND d.ts_us = epoch_us(r.ts))
       OR EXISTS (
           SELECT 1 FROM rate_limit_snapshots AS o
           WHERE o.ts = r.ts AND o."window" = r."window" AND o.used_percent = r.used_percent
             AND coalesce(o.limit_id, 'codex') = coalesce(r.limit_id, 'codex')
             AND o.source <> r.source AND parse_filename(o.source) = parse_filename(r.source)
             AND o.source NOT IN (SELECT unnest(getvariable('planalyzer_gone_sources')))))
