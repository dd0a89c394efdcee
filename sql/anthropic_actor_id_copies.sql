-- anthropic_actor_id_copies: stored Anthropic analytics event ids that more than one stored
-- row holds once sql/rekey_anthropic_actor_ids.sql named their user by its user_id; and
-- stored rows still keyed by an email beside rows read now of a user_id reported without one.
-- inputs: events
-- outputs: one row: ids (ids held by more than one stored row), sources (at most 3 of their
--          files, sorted), files (how many), by_email (stored rows keyed by an email),
--          email_sources (at most 3 of their files), no_email (rows read now keyed by a
--          user_id never reported with an email)
-- params: $read_now (the files read by this load)
-- slots: none
-- With the default dedupe key no two stored rows share an id: where they do now, an older
-- planalyzer kept two fetches of one person's bucket apart (an email, and the user_id of the
-- account deleted since): that store counts the bucket twice (planalyzer.anthropic_actors
-- refuses it). Stored rows keyed by an email that maps to no user_id, beside rows read now
-- of a user_id without an email (an account deleted since), may be one person's buckets
-- under two ids (noted).
WITH a AS (
    SELECT event_id, source, user_id, list_contains($read_now, source) AS now,
           split_part(substr(event_id, strpos(event_id, '/')), ':', 2) AS actor
    FROM events
    WHERE starts_with(event_id, 'anthropic-analytics:') AND strpos(event_id, '/') > 0
),
shared AS (
    SELECT event_id, list(DISTINCT source) AS sources
    FROM a WHERE NOT now
    GROUP BY event_id
    HAVING count(*) > 1
)
SELECT (SELECT count(*) FROM shared) AS ids,
       (SELECT list_sort(list_distinct(flatten(list(sources))))[1:3] FROM shared) AS sources,
       (SELECT len(list_distinct(flatten(list(sources)))) FROM shared) AS files,
       count(*) FILTER (WHERE NOT now AND actor LIKE '%@%'
                        AND replace(user_id, ':', '%3A') = actor) AS by_email,
       list_sort(list(DISTINCT source) FILTER (WHERE NOT now AND actor LIKE '%@%'
                                               AND replace(user_id, ':', '%3A') = actor))[1:3]
           AS email_sources,
       count(*) FILTER (WHERE now AND actor LIKE 'user\_%' ESCAPE '\'
                        AND user_id = actor) AS no_email
FROM a
