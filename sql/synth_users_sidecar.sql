-- synth_users_sidecar: the users.parquet sidecar that generate writes next to the events
-- inputs: all_users (table from sql/synth_users.sql over every user)
-- outputs: a SELECT, one row per user in user order
-- params: none
-- slots: none
SELECT
    user_id, profile, plan, automated, intensity_z, tz_offset_min, opus_share,
    active_days_per_month, median_monthly_requests, cost_per_request_usd
FROM all_users
ORDER BY user_idx
