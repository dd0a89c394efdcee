-- claude_code_witness_ids: the message ids of the witnesses a store records in Claude Code
-- files (sql/create_claude_code_witnesses.sql).
-- inputs: claude_code_witnesses
-- outputs: one row per distinct message id of the witnesses of $sources
-- params: $sources
-- slots: none
-- A file gone from disk held these main-thread copies: a transcript that dropped a sidechain
-- copy as a replay for one of them is linked to the file (sql/claude_code_links.sql) and names
-- its id (planalyzer/store_gone.py reads those again: with the main-thread copy gone, the
-- sidechain copy may count).
SELECT DISTINCT w.message_id
FROM claude_code_witnesses AS w
WHERE w.source IN (SELECT unnest($sources::VARCHAR[]))
