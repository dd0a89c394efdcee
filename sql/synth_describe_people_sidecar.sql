-- synth_describe_people_sidecar: who each user is, from the generator's users.parquet
-- inputs: synth_sidecar (view over users.parquet)
-- outputs: synth_people (temp view: user_id, profile, tz_offset_min)
-- params: none
-- slots: none
CREATE OR REPLACE TEMP VIEW synth_people AS
SELECT user_id, profile, tz_offset_min
FROM synth_sidecar
