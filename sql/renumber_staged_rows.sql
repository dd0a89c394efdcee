-- renumber_staged_rows: a staged file's rows get their data-row numbers back (lines taken out).
-- inputs: {{table}} (a staged file, sql/stage_source.sql); $gaps: for each row taken out (in
--         file order, its data row b_i, i from 0), b_i - i: the staged number from which every
--         later row moves up by one
-- outputs: {{table}} with "__planalyzer_row" the row's 1-based data row in the file
-- params: $gaps
-- slots: {{table}}
UPDATE {{table}}
SET "__planalyzer_row" = "__planalyzer_row"
    + (SELECT count(*) FROM unnest($gaps::BIGINT[]) AS g(k) WHERE g.k <= "__planalyzer_row")
