-- rank_claude_code_rows: the usable Claude Code rows of a batch, with the copy to keep marked.
-- inputs: cc_parsed
-- outputs: cc_ranked (temp table): file_idx, line_no, event_id and keep of each usable row
-- params: none
-- slots: none
-- The key is message.id + requestId; a copy without requestId takes the requestId of another
-- copy of the same message (message.id alone if none has one). Per key the copy with the most
-- tokens is kept, a main-thread copy before a sidechain replay, then the earliest. A sidechain
-- line replaying a main-thread message (same message.id) is a duplicate whatever its requestId.
-- Only the columns the ranking needs go through the window functions (each one holds its whole
-- input: with every column of cc_parsed the ranking held 40 MB for 66,553 rows); the inserts
-- join the other columns back from cc_parsed on (file_idx, line_no).
CREATE OR REPLACE TEMP TABLE cc_ranked AS
WITH usable AS (
    SELECT
        p.file_idx, p.line_no, p.message_id, p.is_sidechain, p.ts,
        p.input_tokens + p.cache_write_tokens + p.cache_write_1h_tokens + p.cache_read_tokens
            + p.output_tokens AS tokens,
        coalesce(p.request_id, max(p.request_id) OVER (PARTITION BY p.message_id)) AS req
    FROM cc_parsed AS p
    WHERE p.is_usage AND p.reject_reason IS NULL
),
keyed AS (
    SELECT
        u.*,
        CASE WHEN u.message_id IS NULL THEN NULL
             WHEN u.req IS NULL THEN u.message_id
             ELSE u.message_id || ':' || u.req END AS event_id,
        u.is_sidechain AND u.message_id IS NOT NULL AND bool_or(NOT u.is_sidechain) OVER (
            PARTITION BY u.message_id) AS replay
    FROM usable AS u
)
SELECT
    k.file_idx, k.line_no, k.event_id,
    NOT k.replay AND (k.event_id IS NULL OR row_number() OVER (
        PARTITION BY k.event_id
        ORDER BY k.tokens DESC, k.is_sidechain, k.ts, k.file_idx, k.line_no
    ) = 1) AS keep
FROM keyed AS k
