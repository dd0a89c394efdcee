-- insert_rate_limit_snapshots: keep the rate-limit readings of a Codex batch.
-- inputs: codex_limits, codex_files (registered Arrow tables)
-- outputs: rate_limit_snapshots (rows appended)
-- params: none
-- slots: none
-- resets_at comes as epoch seconds (newer Codex) or as seconds from the reading (older).
INSERT INTO rate_limit_snapshots
SELECT
    f.source, CAST(l.ts AS TIMESTAMPTZ), f.user_id, l.plan_type, l."window", l.window_minutes,
    l.used_percent,
    coalesce(to_timestamp(l.resets_at_epoch),
             CAST(l.ts AS TIMESTAMPTZ) + to_seconds(l.resets_in_seconds))
FROM codex_limits AS l
JOIN codex_files AS f ON f.file_idx = l.file_idx
WHERE TRY_CAST(l.ts AS TIMESTAMPTZ) IS NOT NULL
