-- create_id_start_macro: pa_id_start(id): the start an Anthropic usage event id names, as the
--   id spells it.
-- inputs: the macro's argument: an event id 'anthropic:<start>/<width s>:<grouping>',
--         'anthropic-analytics:<start>/<width s>:<grouping>' or
--         'claude_code:<day>:<user>:<model>'
-- outputs: temp macro pa_id_start: <start> (<day>); NULL for another id, or one without '/'
--          (an id of an older planalyzer without the bucket width: sql/old_bucket_event_ids.sql)
-- params: none
-- slots: none
-- A start is epoch seconds now (pa_instant_id: sql/create_instant_id_macro.sql); an older
-- planalyzer wrote the export's text ('2026-10-01T00:00:00Z', with ':' in it): the width
-- follows the first '/'; a Claude Code report's user (an email or API key name) and model
-- hold no ':'. Used by sql/rekey_anthropic_event_ids.sql.
CREATE OR REPLACE TEMP MACRO pa_id_start(id) AS
    CASE WHEN starts_with(id, 'claude_code:')
         THEN regexp_extract(id, '^claude_code:(.*):[^:]*:[^:]*$', 1)
         WHEN (starts_with(id, 'anthropic:') OR starts_with(id, 'anthropic-analytics:'))
              AND strpos(id, '/') > 0
         THEN substr(id, strpos(id, ':') + 1, strpos(id, '/') - strpos(id, ':') - 1) END
