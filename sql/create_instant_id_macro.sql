-- create_instant_id_macro: pa_instant_id(ts): an instant as event id text, the same however
--   the export spelled it.
-- inputs: none
-- outputs: temp macro pa_instant_id: epoch seconds ('1790812800'); an instant with a part of
--          a second, epoch microseconds and 'us' ('1790812800500000us'); NULL for NULL
-- params: none
-- slots: none
-- Anthropic's usage exports name a bucket (a Claude Code report row: its day) by its start
-- (sql/project_anthropic_messages_json.sql, sql/project_anthropic_analytics_json.sql,
-- sql/project_anthropic_claude_code_json.sql): its text differs between fetches of the same
-- bucket ('...Z', '....000Z', '+00:00', a bare date), its instant does not, so the event_id
-- dedupe matches them. Ids an older planalyzer made from the text are rewritten to it
-- (sql/rekey_anthropic_event_ids.sql).
CREATE OR REPLACE TEMP MACRO pa_instant_id(t) AS
    CASE WHEN epoch_us(t) % 1000000 = 0 THEN CAST(epoch_us(t) // 1000000 AS VARCHAR)
         ELSE CAST(epoch_us(t) AS VARCHAR) || 'us' END
