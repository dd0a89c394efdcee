-- synth_describe_people_traffic: who each user is, guessed from their traffic (no sidecar)
-- inputs: synth_src (view over the events)
-- outputs: synth_people (temp view: user_id, profile, tz_offset_min)
-- params: none
-- slots: none
-- A user whose tokens are at least 75% cache reads is a coding agent (chat traffic caches
-- about half its input); without time zones, days are UTC days.
CREATE OR REPLACE TEMP VIEW synth_people AS
SELECT
    user_id,
    CASE WHEN sum(cache_read_tokens) >= 0.75 * sum(input_tokens + cache_write_tokens
        + cache_write_1h_tokens + cache_read_tokens + output_tokens) THEN 'agent'
        ELSE 'chat' END AS profile,
    0 AS tz_offset_min
FROM synth_src
GROUP BY user_id
