-- columns_holding_numbers: of some text columns of one source file, whether each holds
-- numbers: per column, true where its non-empty cells in the first 1,000 rows are all numbers
-- (and there is one); a CSV's count columns are read as text (planalyzer.sources.unmapped)
-- inputs: {{reader}} (the source's FROM item over $path, as src)
-- outputs: one row: one boolean per column, in the order of the checks
-- params: none (the reader slot binds the file path)
-- slots: {{checks}} (one aggregate per column, built by planalyzer.sources.tabular), {{reader}}
SELECT {{checks}}
FROM (SELECT * FROM {{reader}} LIMIT 1000) AS src
