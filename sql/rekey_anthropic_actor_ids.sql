-- rekey_anthropic_actor_ids: stored Anthropic analytics event ids an older planalyzer keyed by
-- a user's email, rewritten to name the user's stable user_id as the ids made now do.
-- inputs: events
-- outputs: events.event_id updated; one row: the count of rows rewritten
-- params: $read_now (the files read by this load: their rows have the ids made now)
-- slots: none
-- sql/project_anthropic_analytics_json.sql names a user actor in the id by its user_id
-- ('anthropic-analytics:<start>/<width s>:user_01...:<dimensions>'); an older planalyzer
-- named it by the email the API reported at the fetch. A row grouped by a user with both
-- has its email as user_id and its user_id in the id, so such rows map each email to a
-- user_id. A stored row keyed by its own user (its id's actor is its user_id column, ':'
-- written %3A) whose user is an email that maps to exactly one user_id gets that user_id in
-- its id, the rest kept; an email two user_ids share (an address given to a new account) is
-- left alone. The actor follows the width, the first '/' (a start holds no '/').
UPDATE events
SET event_id = substr(event_id, 1, strpos(event_id, '/') - 1)
    || split_part(substr(event_id, strpos(event_id, '/')), ':', 1) || ':' || m.user_key
    || substr(substr(event_id, strpos(event_id, '/')),
              length(split_part(substr(event_id, strpos(event_id, '/')), ':', 1))
              + length(m.email) + 2)
FROM (
    SELECT email, min(user_key) AS user_key
    FROM (
        SELECT DISTINCT split_part(substr(event_id, strpos(event_id, '/')), ':', 2) AS user_key,
                        replace(user_id, ':', '%3A') AS email
        FROM events
        WHERE starts_with(event_id, 'anthropic-analytics:') AND strpos(event_id, '/') > 0
    )
    WHERE email <> user_key
    GROUP BY email
    HAVING count(*) = 1
) AS m
WHERE starts_with(events.event_id, 'anthropic-analytics:') AND strpos(events.event_id, '/') > 0
    AND NOT list_contains($read_now, events.source)
    AND replace(events.user_id, ':', '%3A') = m.email
    AND split_part(substr(events.event_id, strpos(events.event_id, '/')), ':', 2) = m.email
