-- manifest_users: the users a --db store's transcripts were read under, most files first.
-- inputs: load_manifest (its read_options column: JSON, planalyzer.file_options.record)
-- outputs: one row per user id: user_id, files (of those asked about), most files first
-- params: $sources (the files asked about: their paths; those the manifest lacks, and files
--         whose rows name their users (no user recorded), are passed over)
-- slots: none
-- Asked by a --db load naming single-user transcript folders (of several people's homes, or
-- of one home named alone: planalyzer.sources.homes): a folder the store holds keeps the user
-- it was stored under.
SELECT json_extract_string(m.read_options, '$.user') AS user_id, count(*) AS files
FROM (SELECT unnest($sources) AS source) AS asked
JOIN load_manifest AS m USING (source)
WHERE json_extract_string(m.read_options, '$.user') IS NOT NULL
GROUP BY 1
ORDER BY files DESC, user_id
