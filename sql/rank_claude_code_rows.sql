-- rank_claude_code_rows: the usable Claude Code rows of a batch, with the copy to keep marked.
-- inputs: cc_parsed, claude_code_kept, events
-- outputs: cc_ranked (temp table): file_idx, line_no, stored_source, req (the requestId its key
--          takes), event_id and keep of each usable row of the batch and of each copy earlier
--          loads kept of its messages
-- params: none
-- slots: none
-- The key is message.id + requestId; a copy without requestId takes the requestId of another
-- copy of the same message (message.id alone if none has one). A sidechain line replaying a
-- main-thread message (same message.id) is a duplicate whatever its requestId, and lends no
-- requestId. Per key the copy with the most tokens is kept, a main-thread copy before a
-- sidechain one, then the earliest (an earlier load's copy before this batch's).
-- The copies earlier loads kept of the batch's messages (claude_code_kept; stored_source and
-- line_no name the event) are ranked with the batch, so a folder loaded in several runs keeps
-- what one load of it keeps: a stored copy that loses is deleted (sql/
-- delete_claude_code_displaced.sql). Copies earlier loads dropped are not ranked again (they
-- lost to the stored copy under the same order).
-- Only the columns the ranking needs go through the window functions (each one holds its whole
-- input: with every column of cc_parsed the ranking held 40 MB for 66,553 rows); the inserts
-- join the other columns back from cc_parsed on (file_idx, line_no).
CREATE OR REPLACE TEMP TABLE cc_ranked AS
WITH fresh AS (
    SELECT
        p.file_idx, p.line_no, CAST(NULL AS VARCHAR) AS stored_source, p.message_id,
        p.request_id, p.is_sidechain, p.ts,
        p.input_tokens + p.cache_write_tokens + p.cache_write_1h_tokens + p.cache_read_tokens
            + p.output_tokens AS tokens
    FROM cc_parsed AS p
    WHERE p.is_usage AND p.reject_reason IS NULL
),
stored AS (
    SELECT
        CAST(NULL AS INTEGER) AS file_idx, e.source_row AS line_no, e.source AS stored_source,
        k.message_id, k.request_id, k.is_sidechain, e.ts,
        e.input_tokens + e.cache_write_tokens + e.cache_write_1h_tokens + e.cache_read_tokens
            + e.output_tokens AS tokens
    FROM claude_code_kept AS k
    JOIN events AS e ON e.source = k.source AND e.source_row = k.source_row
    WHERE k.message_id IN (SELECT f.message_id FROM fresh AS f)
),
copies AS (
    SELECT * FROM fresh
    UNION ALL
    SELECT * FROM stored
),
flagged AS (
    SELECT
        c.*,
        c.is_sidechain AND c.message_id IS NOT NULL AND bool_or(NOT c.is_sidechain) OVER (
            PARTITION BY c.message_id) AS replay
    FROM copies AS c
),
filled AS (
    SELECT
        f.*,
        coalesce(f.request_id, max(CASE WHEN NOT f.replay THEN f.request_id END) OVER (
            PARTITION BY f.message_id)) AS req
    FROM flagged AS f
),
keyed AS (
    SELECT
        f.*,
        CASE WHEN f.message_id IS NULL THEN NULL
             ELSE f.message_id || coalesce(':' || f.req, '') END AS event_id
    FROM filled AS f
)
SELECT
    k.file_idx, k.line_no, k.stored_source, k.req, k.event_id,
    NOT k.replay AND (k.event_id IS NULL OR row_number() OVER (
        PARTITION BY k.event_id
        ORDER BY k.replay, k.tokens DESC, k.is_sidechain, k.ts, k.stored_source IS NULL,
            k.file_idx, k.line_no
    ) = 1) AS keep
FROM keyed AS k
