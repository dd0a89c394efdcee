-- guessed_bucket_widths: the OpenAI Usage API pages of one file whose bucket width the reader
-- guessed (sql/project_openai_usage_json.sql, width_guess), for the load's note.
-- inputs: {{checked_rows}} (sql/checked_rows.sql rendered over that projection)
-- outputs: one row: pages (the pages so read), own (those of them read with their buckets'
--          own spans), first (the first such page's width_guess: {page, start_s, end_s,
--          buckets, allowed, read_w}, NULL where none)
-- params: none (the checked_rows slot brings its own)
-- slots: {{checked_rows}}
-- Over the usable rows only, as the other per-file notes (sql/sum_uncounted_tokens.sql); a
-- page of empty buckets loads nothing and needs no note.
SELECT count(DISTINCT c.width_guess.page) AS pages,
       count(DISTINCT c.width_guess.page) FILTER (WHERE c.width_guess.read_w IS NULL) AS own,
       arg_min(c.width_guess, c.width_guess.page) AS first
FROM ({{checked_rows}}) AS c
WHERE c.width_guess IS NOT NULL AND c.reject_reason IS NULL AND c.skip_kind IS NULL
