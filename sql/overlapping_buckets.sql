-- overlapping_buckets: usage-API buckets of different spans that cover the same time for the
-- same grouping (user, project, key, model ...).
-- inputs: events whose event_id is 'openai:<start>/<width s>:<grouping>',
--         'openai-csv:<start>/<width s>:<grouping>[#<n>]', 'anthropic:<start>/<width
--         s>:<grouping>' or 'anthropic-analytics:<start>/<width s>:<grouping>'
--         (sql/project_openai_usage_json.sql, planalyzer.sources.openai_usage._bucket_id,
--         sql/project_anthropic_messages_json.sql, sql/project_anthropic_analytics_json.sql);
--         <grouping> is the bucket's dimension values joined by ':' (empty where the export is
--         not grouped by that dimension)
-- outputs: vendor, wide_s, narrow_s (the two widths), buckets (overlapping pairs), first_utc
--          (where the first overlap starts: the later start of its pair),
--          sources_a, sources_b (the files holding each side of the pairs, at most 3 each:
--          a the wider bucket's, or of two layouts the first layout's), layouts (the event id
--          prefixes of the pairs: two where one export of each layout overlap); one row per
--          vendor, pair of widths and layouts
-- params: none
-- slots: none
-- A daily and an hourly export of the same day hold the same requests twice under different
-- event ids: both loaded would count them twice. Two buckets overlap when each starts before
-- the other ends, they are not the same bucket (same start and width: a duplicate, which the
-- event_id dedupe drops), and their groupings can hold the same requests: every dimension
-- equal, or empty in one of them (that export is not grouped by it, so its bucket holds every
-- value). A daily export of user-1 and an hourly one of user-2 (or of another model) overlap
-- in time only, and load together. A model name with ':' in it (OpenAI's fine-tuned
-- 'ft:gpt-4o:org:id') splits into more parts than the vendor's dimensions: the parts between
-- those before the model (OpenAI 3, Anthropic 4) and those after it (2, 4) are joined again
-- as the model. An OpenAI result grouped by api_source ends in ':api_source=<value>'
-- (sql/project_openai_usage_json.sql): that part is the last dimension, empty where absent
-- (an export not grouped by it). Groupings still of a different number of parts are
-- compared as overlapping: refused rather than risk a double count.
-- OpenAI's dashboard CSV rows ('openai-csv:', '#<n>' ending the n-th row of a file with the
-- same bucket and grouping) are another layout of the same usage as the Usage API JSON
-- ('openai:'), grouped by the same dimensions: a CSV row and a JSON bucket that cover the same
-- time (the same start and width included: their ids differ, so the dedupe keeps both) are
-- refused where their groupings can hold the same requests, as above; a user that is an
-- email (a CSV's user_email, where it has no user_id) is compared with any user id. Anthropic's
-- analytics/usage rows ('anthropic-analytics:', ':' in a value written %3A: no rejoining)
-- are another layout of the same usage as usage_report/messages results ('anthropic:'): a
-- bucket of one and a bucket of the other that cover the same time (the same start and
-- width included) are always refused, their groupings being of other dimensions.
WITH e AS (
    -- what follows '<layout>:<start>/' ('<width>:<grouping>'; an Anthropic start an older
    -- planalyzer stored is an ISO time, with ':' in it)
    SELECT layout, ts, source, substr(rest, strpos(rest, '/') + 1) AS after
    FROM (
        SELECT split_part(event_id, ':', 1) AS layout, ts, source,
               substr(event_id, strpos(event_id, ':') + 1) AS rest
        FROM events
        -- prefix tests, then string functions: a regex over every event of a large store
        -- costs 6x more (splitting the ids with regexes was most of this query's time)
        WHERE event_id LIKE 'openai:%' OR event_id LIKE 'openai-csv:%'
            OR event_id LIKE 'anthropic:%' OR event_id LIKE 'anthropic-analytics:%'
    )
    WHERE strpos(rest, '/') > 0
),
p AS (
    SELECT layout, split_part(layout, '-', 1) AS vendor, ts, source,
           TRY_CAST(split_part(after, ':', 1) AS BIGINT) AS width_s,
           -- the grouping: what follows '<width>:'; a CSV row's '#<n>' (the n-th of its file
           -- with that bucket and grouping) left out
           CASE WHEN layout = 'openai-csv' AND contains(after, '#')
                THEN regexp_replace(substr(after, strpos(after, ':') + 1), '#[0-9]+$', '')
                ELSE substr(after, strpos(after, ':') + 1) END AS grouping
    FROM e
    WHERE strpos(after, ':') > 1 AND regexp_full_match(split_part(after, ':', 1), '[0-9]+')
),
buckets AS (
    SELECT vendor, layout, ts, width_s, grouping, list(DISTINCT source) AS sources,
           epoch(ts) AS start_s
    FROM p
    WHERE width_s IS NOT NULL
        AND layout IN ('openai', 'openai-csv', 'anthropic', 'anthropic-analytics')
    GROUP BY vendor, layout, ts, width_s, grouping
),
-- slots: the buckets' distinct spans per layout (an export grouped by user and model has many
-- buckets of one span): the time test runs over them, and only the slots that overlap pair
-- their buckets (a week of minute buckets of 30 users, 302,400 results, made 27M candidate
-- pairs of buckets, each of the same span as the other or a neighbouring one; its slots make
-- none: with the ids split by string functions, this query's CPU time over the Usage API
-- JSON's fell from 1.45 s to 0.55 s; 0.67 s over the same rows as a dashboard CSV)
slots AS (
    SELECT DISTINCT vendor, layout, ts, width_s, start_s FROM buckets
),
widths AS (
    SELECT DISTINCT vendor, width_s FROM slots
),
-- x: the wider slot of a pair (or, of two of one width, the one starting first), keyed by
-- its start counted in units of its own width
xs AS (
    SELECT *, CAST(floor(start_s / greatest(width_s, 1)) AS BIGINT) AS k FROM slots
),
-- y: every slot, once per width of its vendor at least its own, with each key an x of that
-- width may have and still overlap it: x starts in (y.start - x.width, y.start + y.width), at
-- most three keys. An equality join on (vendor, width, key) then finds the candidates (a
-- hash join, not every slot of a vendor against every other); the time test below decides.
ys AS (
    SELECT y.*, w.width_s AS x_width,
           unnest(range(CAST(floor((y.start_s - w.width_s) / greatest(w.width_s, 1)) AS BIGINT),
                        CAST(floor((y.start_s + y.width_s) / greatest(w.width_s, 1))
                             AS BIGINT) + 1)) AS k
    FROM slots AS y
    JOIN widths AS w ON w.vendor = y.vendor AND w.width_s >= y.width_s
),
slot_pairs AS (
    SELECT x.vendor, x.layout AS x_layout, x.ts AS x_ts, x.width_s AS x_w,
           y.layout AS y_layout, y.ts AS y_ts, y.width_s AS y_w
    FROM ys AS y
    JOIN xs AS x
        ON x.vendor = y.vendor AND x.width_s = y.x_width AND x.k = y.k
    WHERE x.ts < y.ts + to_seconds(y.width_s)
        AND y.ts < x.ts + to_seconds(x.width_s)
        AND (x.width_s > y.width_s OR x.ts < y.ts
             -- the same span in two layouts: once (not a duplicate: its ids differ)
             OR (x.ts = y.ts AND x.width_s = y.width_s AND x.layout < y.layout))
),
-- the buckets of the slots that overlap, with their groupings as lists of dimensions
parts AS (
    SELECT b.*,
           string_split(regexp_replace(grouping, ':api_source=[^:]*$', ''), ':') AS parts,
           regexp_extract(grouping, ':api_source=([^:]*)$', 1) AS api_source
    FROM buckets AS b
    SEMI JOIN (SELECT vendor, x_layout AS layout, x_ts AS ts, x_w AS width_s FROM slot_pairs
               UNION
               SELECT vendor, y_layout, y_ts, y_w FROM slot_pairs) AS o
        USING (vendor, layout, ts, width_s)
),
n AS (  -- the layout's dimensions before and after the model
    SELECT *, CASE WHEN vendor = 'openai' THEN 3 WHEN layout = 'anthropic' THEN 4
                   ELSE len(parts) END AS nb,
           CASE WHEN vendor = 'openai' THEN 2 WHEN layout = 'anthropic' THEN 4 ELSE 0 END AS na
    FROM parts
),
paired AS (
    SELECT vendor, layout, ts, width_s, sources,
           list_append(CASE WHEN len(parts) > nb + na + 1
                            THEN list_concat(parts[1:nb],
                                             [array_to_string(parts[nb + 1:len(parts) - na],
                                                              ':')],
                                             parts[len(parts) - na + 1:len(parts)])
                            ELSE parts END, api_source) AS dims
    FROM n
),
pairs AS (
    SELECT p.*, x.dims AS x_dims, y.dims AS y_dims,
           CASE WHEN p.x_layout <= p.y_layout THEN x.sources ELSE y.sources END AS sources_a,
           CASE WHEN p.x_layout <= p.y_layout THEN y.sources ELSE x.sources END AS sources_b
    FROM slot_pairs AS p
    JOIN paired AS x
        ON x.vendor = p.vendor AND x.layout = p.x_layout AND x.ts = p.x_ts
           AND x.width_s = p.x_w
    JOIN paired AS y
        ON y.vendor = p.vendor AND y.layout = p.y_layout AND y.ts = p.y_ts
           AND y.width_s = p.y_w
)
SELECT
    vendor,
    greatest(x_w, y_w) AS wide_s,
    least(x_w, y_w) AS narrow_s,
    count(*) AS buckets,
    strftime(timezone('UTC', min(greatest(x_ts, y_ts))), '%Y-%m-%d %H:%M') AS first_utc,
    list_sort(list_distinct(flatten(list(sources_a))))[1:3] AS sources_a,
    list_sort(list_distinct(flatten(list(sources_b))))[1:3] AS sources_b,
    list_sort(list_distinct([x_layout, y_layout])) AS layouts
FROM pairs
WHERE (x_layout <> y_layout AND vendor = 'anthropic')
    OR len(x_dims) <> len(y_dims)
    OR list_bool_and(list_transform(
        range(1, len(x_dims) + 1),
        lambda i: x_dims[i] = y_dims[i] OR x_dims[i] = '' OR y_dims[i] = ''
                  -- OpenAI's user: an email (a CSV's user_email) against a user id
                  OR (i = 1 AND vendor = 'openai'
                      AND contains(x_dims[i], '@') <> contains(y_dims[i], '@'))))
GROUP BY ALL
ORDER BY vendor, wide_s, narrow_s, layouts
