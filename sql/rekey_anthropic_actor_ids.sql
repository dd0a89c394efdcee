-- rekey_anthropic_actor_ids: stored Anthropic analytics event ids an older planalyzer keyed by
-- a user's email, rewritten to name the user's stable user_id as the ids made now do, where
-- a row read now for the same bucket shows which user_id it is.
-- inputs: events
-- outputs: events.event_id updated; one row: the count of rows rewritten
-- params: $read_now (the files read by this load: their rows have the ids made now)
-- slots: none
-- Needs pa_analytics_id_parts (sql/create_analytics_id_parts_macro.sql).
-- sql/project_anthropic_analytics_json.sql names a user actor in the id by its user_id
-- ('anthropic-analytics:<start>/<width s>:user_01...:<dimensions>'); an older planalyzer
-- named it by the email the API reported at the fetch. The API reports a user's *current*
-- email for past buckets too (another after a change, none once the account is deleted, the
-- new account's once the address is given to a re-created one), so an email is paired with a
-- user_id only by a row read now that covers the stored row's bucket: the same start, width
-- and dimensions (':' in a value written %3A), keyed by a user_id (its user an email other
-- than its actor, or a 'user_' id), and either reporting the stored row's email (preferred)
-- or, none doing so, holding its token counts and requests exactly, that row paired with no
-- other stored row by its counts, nor its id held by a stored row already. A stored row keyed
-- by its own email (its id's actor is its user column, an address) whose evidence names
-- exactly one user_id gets that user_id in its id, the rest kept; the rest are left alone
-- (sql/anthropic_actor_id_copies.sql counts those a row read now may hold twice). The actor
-- follows the width, the first '/' (a start holds no '/').
WITH a AS (
    SELECT rowid AS r, event_id, user_id, list_contains($read_now, source) AS now,
           input_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens,
           output_tokens, requests,
           unnest(pa_analytics_id_parts(event_id))
    FROM events
    WHERE starts_with(event_id, 'anthropic-analytics:') AND strpos(event_id, '/') > 0
),
s AS (  -- stored rows keyed by their user's email
    SELECT * FROM a
    WHERE NOT now AND actor LIKE '%@%' AND replace(user_id, ':', '%3A') = actor
),
n AS (  -- rows read now keyed by a user_id
    SELECT * FROM a
    WHERE now AND actor NOT LIKE '%@%'
        AND (replace(user_id, ':', '%3A') <> actor OR actor LIKE 'user\_%' ESCAPE '\')
),
p AS (  -- a stored row, and a row read now of its bucket that names its email or its counts
    SELECT s.r, s.bucket, s.actor AS email, n.actor AS user_key, n.r AS nr,
           replace(n.user_id, ':', '%3A') = s.actor AS by_email
    FROM s JOIN n ON n.bucket = s.bucket AND n.dims = s.dims AND n.actor <> s.actor
    WHERE replace(n.user_id, ':', '%3A') = s.actor
        OR (n.input_tokens = s.input_tokens AND n.cache_write_tokens = s.cache_write_tokens
            AND n.cache_write_1h_tokens = s.cache_write_1h_tokens
            AND n.cache_read_tokens = s.cache_read_tokens
            AND n.output_tokens = s.output_tokens AND n.requests = s.requests
            AND n.event_id NOT IN (SELECT event_id FROM a WHERE NOT now))
),
q AS (
    SELECT *, bool_or(by_email) OVER (PARTITION BY r) AS named,
           count(*) FILTER (WHERE NOT by_email) OVER (PARTITION BY nr) AS stored_alike
    FROM p
),
m AS (
    SELECT r, min(bucket) AS bucket, min(email) AS email, min(user_key) AS user_key
    FROM q
    WHERE by_email OR (NOT named AND stored_alike = 1)
    GROUP BY r
    HAVING count(DISTINCT user_key) = 1
)
UPDATE events
SET event_id = m.bucket || ':' || m.user_key
    || substr(substr(event_id, strpos(event_id, '/')),
              length(split_part(substr(event_id, strpos(event_id, '/')), ':', 1))
              + length(m.email) + 2)
FROM m
WHERE events.rowid = m.r
