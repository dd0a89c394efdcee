-- aggregated_events: events that are buckets (daily or hourly usage of aggregated sources),
-- against all events: those standing for more than one request, and every event of a file
-- an aggregated source read; and of them, those of sources whose exports log no request
-- count (their counts are estimates made at load: prompt tokens / --bucket-prompt-tokens),
-- but for a file whose layout logs one (its mapping names requests: Anthropic's analytics/usage
-- rows, where the usage_report exports of the same source log none).
-- inputs: events, load_manifest
-- outputs: one row: events, bucket_events, bucket_requests, estimated_events
-- params: $sources, $uncounted (names of the aggregated source modules, as
--         load_manifest.format begins; those of them whose exports log no request count)
-- slots: none
WITH bucketed AS (
    SELECT m.source,
           list_contains($uncounted, split_part(m.format, ' ', 1))
               AND NOT regexp_matches(coalesce(m.mapping, ''), '(^|, )requests=') AS uncounted
    FROM load_manifest AS m
    WHERE list_contains($sources, split_part(m.format, ' ', 1))
)
SELECT
    count(*) AS events,
    count(*) FILTER (WHERE e.requests > 1 OR b.source IS NOT NULL) AS bucket_events,
    coalesce(sum(e.requests) FILTER (WHERE e.requests > 1 OR b.source IS NOT NULL), 0)
        AS bucket_requests,
    count(*) FILTER (WHERE b.uncounted) AS estimated_events
FROM events AS e
LEFT JOIN bucketed AS b ON b.source = e.source
