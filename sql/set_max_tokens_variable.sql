-- set_max_tokens_variable: make the token bound readable by statements that cannot bind values.
-- inputs: none
-- outputs: session variable planalyzer_max_tokens
-- params: $max_tokens
-- slots: none
-- Statements run over an Arrow relation (relation.query) take no parameters; they read the
-- bound value with getvariable('planalyzer_max_tokens').
SET VARIABLE planalyzer_max_tokens = $max_tokens
