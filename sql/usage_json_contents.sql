-- usage_json_contents: what a usage-report JSON file holds, where its reader loaded no row.
-- inputs: read_json_objects($path): the file's JSON documents (one, a list, or one a line)
-- outputs: one row: docs (JSON documents), pages (documents with a `data` list), loose
--          (documents with neither a `data` list nor a list of rows), loose_keys (their keys,
--          sorted), items (the pages' `data` items and the documents that are
--          buckets themselves), other_items (items without a list of rows), item_keys (their
--          keys, sorted), loose_buckets (documents that are buckets themselves, saved
--          without their page), rows (entries of the buckets' lists), costs (rows with an
--          `amount`: cost results), cost_object (the least `object` of the cost rows),
--          cost_items (the cost rows with Anthropic cost_report's own keys, `cost_type` or
--          `token_type`), item_costs (items without a list of rows that have an `amount`
--          and a `currency`: Anthropic analytics/cost rows)
-- params: $path, $max_object_size, $rows_key (the key of a bucket's list of rows: 'results'
--         for the usage reports, 'model_breakdown' for Anthropic's Claude Code report)
-- slots: none
-- Read only for a file that loaded no row (planalyzer.sources.report_json.holds_instead): an
-- empty page (no bucket, or buckets whose lists are empty) holds nothing amiss; items that are
-- no bucket, or rows that are costs, say the file is not the report it was taken for. This is
-- the one place a cost report read as a usage report is recognised (OpenAI's
-- organization.costs.result, Anthropic's cost_report and analytics/cost): the readers do not
-- refuse one themselves, so it is an error alone and a note beside other files, whichever
-- vendor's it is.
WITH d AS (
    SELECT json AS doc,
           coalesce(json_type(json, '$.data') = 'ARRAY', false) AS is_page,
           coalesce(json_type(json, '$.' || $rows_key) = 'ARRAY', false) AS is_bucket
    FROM read_json_objects($path, format = 'auto', maximum_object_size = $max_object_size)
),
items AS (
    SELECT unnest(json_extract(doc, '$.data[*]')) AS item FROM d WHERE is_page
    UNION ALL
    SELECT doc FROM d WHERE NOT is_page AND is_bucket
),
b AS (
    SELECT item, coalesce(json_type(item, '$.' || $rows_key) = 'ARRAY', false) AS is_bucket
    FROM items
),
r AS (
    SELECT unnest(json_extract(item, '$.' || $rows_key || '[*]')) AS row FROM b WHERE is_bucket
)
SELECT
    (SELECT count(*) FROM d) AS docs,
    (SELECT count(*) FILTER (WHERE is_page) FROM d) AS pages,
    (SELECT count(*) FILTER (WHERE NOT is_page AND NOT is_bucket) FROM d) AS loose,
    (SELECT list_sort(list_distinct(flatten(list(json_keys(doc)))))
     FROM d WHERE NOT is_page AND NOT is_bucket) AS loose_keys,
    (SELECT count(*) FILTER (WHERE NOT is_page AND is_bucket) FROM d) AS loose_buckets,
    (SELECT count(*) FROM b) AS items,
    (SELECT count(*) FILTER (WHERE NOT is_bucket) FROM b) AS other_items,
    (SELECT list_sort(list_distinct(flatten(list(json_keys(item)))))
     FROM b WHERE NOT is_bucket) AS item_keys,
    (SELECT count(*) FROM r) AS rows,
    (SELECT count(*) FILTER (WHERE json_type(row, '$.amount') IS NOT NULL) FROM r) AS costs,
    (SELECT min(json_extract_string(row, '$.object'))
     FROM r WHERE json_type(row, '$.amount') IS NOT NULL) AS cost_object,
    (SELECT count(*) FILTER (WHERE json_type(row, '$.amount') IS NOT NULL
                             AND (json_type(row, '$.cost_type') IS NOT NULL
                                  OR json_type(row, '$.token_type') IS NOT NULL))
     FROM r) AS cost_items,
    (SELECT count(*) FILTER (WHERE NOT is_bucket AND json_type(item, '$.amount') IS NOT NULL
                             AND json_type(item, '$.currency') IS NOT NULL)
     FROM b) AS item_costs
