-- claude_code_links: the files whose Claude Code rows a batch dropped (its own files' copies,
-- and copies earlier loads kept that it displaced), with the files of the copies kept.
-- inputs: cc_ranked, cc_files
-- outputs: one row per pair of two files: source (dropped copies), kept_source
-- params: none
-- slots: none
-- A copy is dropped for a kept copy of its message (a duplicate of its key, a sidechain replay
-- of the main-thread line, a gone file's copy superseded by one on disk: the ranking's
-- partitions are message.id, its session and the key): every file holding a kept copy of the
-- same message is linked (sql/create_duplicate_links.sql), and of the same key: two message
-- ids share a key only where the longer holds ':' (message.id || ':' || requestId). A replay
-- is dropped for a main-thread copy of its session, which may be a dropped one (a witness:
-- sql/create_claude_code_witnesses.sql): it is also linked to every file holding a
-- main-thread copy of its message on disk, kept or not (a file reloaded without it has the
-- replay's file read again). Stored witnesses drop nothing in this batch. Rows without a message.id
-- (event_id NULL) are ranked as one message (a gone file's superseded by one on disk). A
-- file's copies of its own messages (its streamed lines, nearly every transcript's) make no
-- pair: cc_ranked names the message only of rows whose message has copies in more than one
-- file (or a stored one) or holds ':' (5,375 of the 66,349 rows of the 5,900-file benchmark
-- folder), so only those are joined (materialized first: filtered before the join to the file
-- names, and counted for the hash tables that follow).
WITH named AS MATERIALIZED (
    SELECT r.file_idx, r.stored_source, r.message_id, r.event_id, r.keep, r.replay,
        r.main_copy, r.witness
    FROM cc_ranked AS r
    WHERE r.message_id IS NOT NULL OR r.event_id IS NULL
        OR r.event_id IN (SELECT c.event_id FROM cc_ranked AS c WHERE contains(c.message_id, ':'))
),
copies AS MATERIALIZED (
    SELECT
        coalesce(n.stored_source, f.source) AS source, n.message_id, n.event_id, n.keep,
        n.replay, n.main_copy, n.witness
    FROM named AS n
    LEFT JOIN cc_files AS f ON f.file_idx = n.file_idx
),
dropped AS (
    SELECT DISTINCT c.source, c.message_id, c.event_id
    FROM copies AS c
    WHERE NOT c.keep AND NOT c.witness
),
kept AS (
    SELECT DISTINCT c.source, c.message_id, c.event_id FROM copies AS c WHERE c.keep
),
pairs AS (
    SELECT d.source, k.source AS kept_source
    FROM dropped AS d JOIN kept AS k ON k.message_id = d.message_id
    UNION ALL
    SELECT d.source, k.source AS kept_source
    FROM dropped AS d JOIN kept AS k ON k.event_id = d.event_id
    UNION ALL
    SELECT r.source, m.source AS kept_source
    FROM (SELECT DISTINCT c.source, c.message_id FROM copies AS c WHERE c.replay) AS r
    JOIN (
        SELECT DISTINCT c.source, c.message_id
        FROM copies AS c
        WHERE c.main_copy AND c.message_id IN (SELECT p.message_id FROM copies AS p WHERE p.replay)
    ) AS m ON m.message_id = r.message_id
    UNION ALL
    SELECT d.source, k.source AS kept_source
    FROM (SELECT DISTINCT source FROM dropped WHERE event_id IS NULL) AS d
    CROSS JOIN (SELECT DISTINCT source FROM kept WHERE event_id IS NULL) AS k
)
SELECT DISTINCT p.source, p.kept_source
FROM pairs AS p
WHERE p.source <> p.kept_source
ORDER BY p.source, p.kept_source
