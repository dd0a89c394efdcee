-- anthropic_actor_id_copies: stored Anthropic analytics event ids that more than one stored
-- row holds once sql/rekey_anthropic_actor_ids.sql named their user by its user_id; and
-- stored rows still keyed by an email beside rows read now of a user_id for the same bucket.
-- inputs: events
-- outputs: one row: ids (ids held by more than one stored row), sources (at most 3 of their
--          files, sorted), files (how many), by_email (stored rows keyed by an email whose
--          bucket a row read now holds under a user_id), email_sources (at most 3 of their
--          files), beside (those rows read now)
-- params: $read_now (the files read by this load)
-- slots: none
-- Needs pa_analytics_id_parts (sql/create_analytics_id_parts_macro.sql).
-- With the default dedupe key no two stored rows share an id: where they do now, an older
-- planalyzer kept two fetches of one person's bucket apart (an email, and the user_id of the
-- account deleted since): that store counts the bucket twice (planalyzer.anthropic_actors
-- refuses it). A stored row keyed by an email that no row read now paired with a user_id,
-- whose bucket (start, width and dimensions) a row read now holds under a user_id that no
-- stored row's id names, may be one person's bucket under two ids (an email changed, an
-- account deleted or re-created, and the bucket's counts grown since): noted.
WITH a AS (
    SELECT rowid AS r, event_id, source, user_id, list_contains($read_now, source) AS now,
           unnest(pa_analytics_id_parts(event_id))
    FROM events
    WHERE starts_with(event_id, 'anthropic-analytics:') AND strpos(event_id, '/') > 0
),
shared AS (
    SELECT event_id, list(DISTINCT source) AS sources
    FROM a WHERE NOT now
    GROUP BY event_id
    HAVING count(*) > 1
),
n AS (  -- rows read now keyed by a user_id no stored row's id names
    SELECT * FROM a
    WHERE now AND actor NOT LIKE '%@%'
        AND (replace(user_id, ':', '%3A') <> actor OR actor LIKE 'user\_%' ESCAPE '\')
        AND event_id NOT IN (SELECT event_id FROM a WHERE NOT now)
),
e AS (  -- stored rows still keyed by their email, and a row read now of their bucket
    SELECT s.source, s.r, n.r AS now_r
    FROM a AS s JOIN n ON n.bucket = s.bucket AND n.dims = s.dims AND n.actor <> s.actor
    WHERE NOT s.now AND s.actor LIKE '%@%' AND replace(s.user_id, ':', '%3A') = s.actor
)
SELECT (SELECT count(*) FROM shared) AS ids,
       (SELECT list_sort(list_distinct(flatten(list(sources))))[1:3] FROM shared) AS sources,
       (SELECT len(list_distinct(flatten(list(sources)))) FROM shared) AS files,
       (SELECT count(DISTINCT r) FROM e) AS by_email,
       (SELECT list_sort(list(DISTINCT source))[1:3] FROM e) AS email_sources,
       (SELECT count(DISTINCT now_r) FROM e) AS beside
