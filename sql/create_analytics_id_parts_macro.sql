-- create_analytics_id_parts_macro: pa_analytics_id_parts(id): an Anthropic analytics event
--   id split into the parts the older-store re-key compares.
-- inputs: none
-- outputs: temp macro pa_analytics_id_parts: a struct of bucket ('anthropic-analytics:
--          <start>/<width s>'), actor (the user_id, email or key after the width) and dims
--          (the dimensions after the actor)
-- params: none
-- slots: none
-- sql/project_anthropic_analytics_json.sql writes 'anthropic-analytics:<start>/<width
-- s>:<actor>:<dimensions>' (':' in a value written %3A); the actor follows the width, after
-- the first '/' (a start holds no '/'). Read by sql/rekey_anthropic_actor_ids.sql and
-- sql/anthropic_actor_id_copies.sql.
CREATE OR REPLACE TEMP MACRO pa_analytics_id_parts(id) AS struct_pack(
    bucket := substr(id, 1, strpos(id, '/') - 1)
        || split_part(substr(id, strpos(id, '/')), ':', 1),
    actor := split_part(substr(id, strpos(id, '/')), ':', 2),
    dims := substr(substr(id, strpos(id, '/')),
                   length(split_part(substr(id, strpos(id, '/')), ':', 1))
                   + length(split_part(substr(id, strpos(id, '/')), ':', 2)) + 2)
)
