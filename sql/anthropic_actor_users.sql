-- anthropic_actor_users: one user per Anthropic analytics actor: every row whose id names a
-- user_id gets the email of that user_id's latest row that has one.
-- inputs: events
-- outputs: events.user_id updated; one row: the count of rows changed
-- params: none
-- slots: none
-- sql/project_anthropic_analytics_json.sql names a user actor in the id by its stable
-- user_id, and gives the row the email the API reported at the fetch as its user (the tagged
-- user_id where it reported none: an account deleted since). The API reports a user's current
-- email for every bucket it returns, past ones too, so two fetches of one person may hold
-- two emails (one changed between them) or an email and none (deleted between them). A row
-- whose user differs from its id's actor was grouped by a user with an email; of a user_id's
-- such rows, the one of the latest bucket gives the email (of two fetches of that bucket,
-- the file whose path sorts last: a dated name, the later fetch; then the greater email),
-- and every row of the user_id takes it: one person, one user, whichever files were loaded
-- and in which order. A user_id never reported with an email stays the user. The actor
-- follows the width, the first '/' (':' in it written %3A).
UPDATE events
SET user_id = m.email
FROM (
    SELECT actor, arg_max(user_id, (ts, source, user_id)) AS email
    FROM (
        SELECT split_part(substr(event_id, strpos(event_id, '/')), ':', 2) AS actor,
               user_id, ts, source
        FROM events
        WHERE starts_with(event_id, 'anthropic-analytics:') AND strpos(event_id, '/') > 0
    )
    WHERE replace(user_id, ':', '%3A') <> actor
    GROUP BY actor
) AS m
WHERE starts_with(events.event_id, 'anthropic-analytics:') AND strpos(events.event_id, '/') > 0
    AND split_part(substr(events.event_id, strpos(events.event_id, '/')), ':', 2) = m.actor
    AND events.user_id IS DISTINCT FROM m.email
