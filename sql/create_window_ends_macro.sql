-- create_window_ends_macro: pa_window_ends(text): a context window's ends in tokens
--   ('200k-1M': [200000, 1000000]; '0-200k': [0, 200000]); an element NULL where an end is no
--   number, and a list of other than two elements where the text is no range.
-- inputs: none
-- outputs: temp macro pa_window_ends
-- params: none
-- slots: none
-- Anthropic's usage reports group by context_window (sql/project_anthropic_messages_json.sql,
-- sql/project_anthropic_analytics_json.sql); pa_bucket_requests takes the ends.
CREATE OR REPLACE TEMP MACRO pa_window_ends(w) AS
    list_transform(string_split(lower(trim(coalesce(w, ''))), '-'),
        lambda x: TRY_CAST(
            TRY_CAST(regexp_extract(x, '^([0-9.]+)[km]?$', 1) AS DOUBLE)
            * CASE right(x, 1) WHEN 'k' THEN 1e3 WHEN 'm' THEN 1e6 ELSE 1 END
            AS BIGINT))
