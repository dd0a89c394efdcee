-- logged_cost_parts: the files whose logged cost the load summed from two columns, found by
-- the note their mapping carries (OpenRouter exports with byok_usage_inference:
-- planalyzer.sources.openrouter.BYOK_NOTE, kept in the manifest's mapping text).
-- inputs: load_manifest
-- outputs: one row: files (how many files' mapping holds $note)
-- params: $note
-- slots: none
SELECT count(*) AS files
FROM load_manifest
WHERE contains(mapping, $note)
