-- user_origin_counts: which column each row's user_id comes from, where a source reads the
-- user per row from the first non-empty of several columns (planalyzer map).
-- inputs: {{reader}} (the source's FROM item over $path, as src)
-- outputs: origin (the column name, a quoted default, or NULL: no user), n; most rows first
-- params: none (the reader slot binds the file path)
-- slots: {{origin}} (a CASE over src's columns built by planalyzer.sources.tabular), {{reader}}
SELECT {{origin}} AS origin, count(*) AS n
FROM {{reader}}
GROUP BY ALL
ORDER BY n DESC, origin
