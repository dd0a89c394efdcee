-- api_page_contents: what the saved pages of a list API in one file hold (planalyzer.sources.
-- api_pages: {"data": [row ...], "error": ..., "meta": ...}): pages, rows, pages with an error.
-- inputs: the file at $path: one page, a list of pages or a page per line (pretty-printed or not)
-- outputs: one row: pages, rows (elements of the pages' data lists), errors (pages whose error
--          is not null), error (the first such page's error, as text)
-- params: $path, $max_object_size (bytes: a page larger than DuckDB's default is read whole)
-- slots: none
-- read_json_objects gives each page (the elements of a list of pages) as one JSON value; a
-- page whose data is null or absent holds no rows.
SELECT count(*) AS pages,
       coalesce(sum(coalesce(json_array_length(o.json, '$.data'), 0)), 0) AS rows,
       count(*) FILTER (WHERE o.json ->> '$.error' IS NOT NULL) AS errors,
       first(o.json ->> '$.error' ORDER BY o.n) FILTER (WHERE o.json ->> '$.error' IS NOT NULL)
           AS error
FROM (SELECT json, row_number() OVER () AS n
      FROM read_json_objects($path, format = 'auto', maximum_object_size = $max_object_size,
                             hive_partitioning = false)) AS o
