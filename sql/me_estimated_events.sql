-- me_estimated_events: the events of the files `me` read that come from exports logging no
-- request count (usage reports: each event a bucket whose request count is an estimate), but
-- for a file whose layout logs one (its mapping names requests: Anthropic's analytics/usage).
-- inputs: events, me_files (source), load_manifest
-- outputs: one row: events, requests
-- params: $uncounted (names of the source modules whose exports log no request count, as
--         load_manifest.format begins)
-- slots: none
SELECT count(*) AS events, coalesce(sum(e.requests), 0) AS requests
FROM events AS e
JOIN load_manifest AS m ON m.source = e.source
WHERE e.source IN (SELECT f.source FROM me_files AS f)
    AND list_contains($uncounted, split_part(m.format, ' ', 1))
    AND NOT regexp_matches(coalesce(m.mapping, ''), '(^|, )requests=')
