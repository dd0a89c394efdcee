-- cost_column_whole: whether a cost column holds only whole numbers (Helicone: a raw
-- ClickHouse dump stores USD x 1e9 as an integer; the request API returns USD with fractions).
-- inputs: {{reader}} (the file's FROM item, as src)
-- outputs: one row: costs (non-empty values), whole (all of them whole numbers)
-- params: none (the reader slot binds the file path)
-- slots: {{reader}}, {{column}} (a quoted column name)
SELECT count(d) AS costs, coalesce(bool_and(d = trunc(d)), false) AS whole
FROM (SELECT TRY_CAST(trim(CAST(src.{{column}} AS VARCHAR)) AS DOUBLE) AS d FROM {{reader}})
