-- claude_code_links: the files whose Claude Code rows a batch dropped (its own files' copies,
-- and copies earlier loads kept that it displaced), with the files of the copies kept.
-- inputs: cc_ranked, cc_files
-- outputs: one row per pair of two files: source (dropped copies), kept_source
-- params: none
-- slots: none
-- A copy is dropped for a kept copy of its message (a duplicate of its key, a sidechain replay
-- of the main-thread line, a gone file's copy superseded by one on disk: the ranking's
-- partitions are message.id and the key): every file holding a kept copy of the same message
-- or key is linked (sql/create_duplicate_links.sql). A file's copies of its own messages (its
-- streamed lines, nearly every transcript's) make no pair.
WITH copies AS (
    SELECT coalesce(r.stored_source, f.source) AS source, r.message_id, r.event_id, r.keep
    FROM cc_ranked AS r
    LEFT JOIN cc_files AS f ON f.file_idx = r.file_idx
),
dropped AS (
    SELECT DISTINCT c.source, c.message_id, c.event_id FROM copies AS c WHERE NOT c.keep
),
kept AS (
    SELECT DISTINCT c.source, c.message_id, c.event_id FROM copies AS c WHERE c.keep
),
pairs AS (
    SELECT d.source, k.source AS kept_source
    FROM dropped AS d JOIN kept AS k ON k.message_id = d.message_id
    UNION
    SELECT d.source, k.source AS kept_source
    FROM dropped AS d JOIN kept AS k ON k.event_id = d.event_id
    UNION
    SELECT d.source, k.source AS kept_source
    FROM dropped AS d JOIN kept AS k ON d.message_id IS NULL AND k.message_id IS NULL
)
SELECT DISTINCT p.source, p.kept_source
FROM pairs AS p
WHERE p.source <> p.kept_source
ORDER BY p.source, p.kept_source
