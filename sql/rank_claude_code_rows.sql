-- rank_claude_code_rows: the usable Claude Code rows of a batch, with the copy to keep marked.
-- inputs: cc_parsed (session_id filled: sql/fill_claude_code_sessions.sql), events,
--         load_manifest, claude_code_keys, variable planalyzer_gone_sources
-- outputs: cc_ranked (temp table): file_idx, line_no, stored_source, message_id (only where
--          the message has copies in more than one file, or a stored one, or holds ':': what
--          sql/claude_code_links.sql needs), req (the requestId its key takes), event_id and
--          keep of each usable row of the batch and of each copy earlier loads kept of its
--          messages
-- params: none
-- slots: {{copies}} (SELECT * FROM fresh, and UNION ALL SELECT * FROM stored when the store
--        holds Claude Code events: on a cold load the union, even of nothing, costs 40 ms of
--        the ranking's 110 ms for 66,553 rows)
-- The key is message.id + requestId; a copy without requestId takes the requestId of another
-- copy of the same message; if none has one, its scope stands for the requestId: '~', its
-- session (sessionId, or the file's name: sql/fill_claude_code_sessions.sql) and, unless
-- message.id is an Anthropic id (msg_...), '@' and its time in epoch milliseconds. That is
-- ccusage's key of a line without requestId (PR #1661, github.com/ccusage/ccusage/pull/1661,
-- for issue #1635: a relay answering every response with the same message id; the msg_
-- exception in its later daily.rs), so a relay's turns in other sessions or at other times
-- are not one message. A stored copy's scope is read back from its event_id (or
-- claude_code_keys.request_id): the part after ':' starting with '~'; it lends no requestId. A sidechain line replaying a
-- main-thread message (same message.id) is a duplicate whatever its requestId, and lends no
-- requestId. Per key the copy with the most tokens is kept, a main-thread copy before a
-- sidechain one, then the earliest (an earlier load's copy before this batch's); a copy an
-- earlier load kept from a file now gone from disk (the variable planalyzer_gone_sources: a
-- transcript moved, or deleted while a copy stays) is dropped when a copy of the message on
-- disk is kept, as a load without --db, which never sees it, keeps that copy: it makes no
-- sidechain copy a replay, lends no requestId and ranks after every copy of the batch.
-- The copies earlier loads kept of the batch's messages (events of Claude Code files;
-- stored_source and line_no name the event) are ranked with the batch, so a folder loaded in
-- several runs keeps what one load of it keeps: a stored copy that loses is deleted
-- (sql/delete_claude_code_displaced.sql). A stored event's message.id and requestId are read
-- from its event_id (message.id, ':', requestId), and it is a main-thread line, unless
-- claude_code_keys says otherwise (sql/create_claude_code_keys.sql). Copies earlier loads
-- dropped are not ranked again (they lost to the stored copy under the same order).
-- spread: the message has copies in more than one file of the batch, or a stored copy (its
-- file_idx NULL, taken as -1: a stored copy's message always has one in the batch); only such
-- rows (and those of a message.id with ':') name their message in cc_ranked, for
-- sql/claude_code_links.sql.
-- Only the columns the ranking needs go through the window functions (each one holds its whole
-- input: with every column of cc_parsed the ranking held 40 MB for 66,553 rows); the inserts
-- join the other columns back from cc_parsed on (file_idx, line_no).
CREATE OR REPLACE TEMP TABLE cc_ranked AS
WITH fresh AS (
    SELECT
        p.file_idx, p.line_no, CAST(NULL AS VARCHAR) AS stored_source, p.message_id,
        p.request_id, p.is_sidechain, p.ts,
        p.input_tokens + p.cache_write_tokens + p.cache_write_1h_tokens + p.cache_read_tokens
            + p.output_tokens AS tokens,
        false AS gone,
        CASE WHEN p.request_id IS NULL AND p.message_id IS NOT NULL THEN
            '~' || p.session_id
            || CASE WHEN regexp_full_match(p.message_id, 'msg_[0-9A-Za-z_-]+') THEN ''
                    ELSE '@' || epoch_ms(p.ts) END
        END AS scope
    FROM cc_parsed AS p
    WHERE p.is_usage AND p.reject_reason IS NULL
),
messages AS (
    SELECT DISTINCT f.message_id FROM fresh AS f WHERE f.message_id IS NOT NULL
),
stored_keys AS (
    SELECT
        e.source, e.source_row, e.ts,
        e.input_tokens + e.cache_write_tokens + e.cache_write_1h_tokens + e.cache_read_tokens
            + e.output_tokens AS tokens,
        coalesce(k.message_id, split_part(e.event_id, ':', 1)) AS message_id,
        CASE WHEN k.source IS NOT NULL THEN k.request_id
             WHEN contains(e.event_id, ':') THEN substr(e.event_id, strpos(e.event_id, ':') + 1)
        END AS key_rest,
        coalesce(k.is_sidechain, false) AS is_sidechain
    FROM events AS e
    LEFT JOIN claude_code_keys AS k ON k.source = e.source AND k.source_row = e.source_row
    WHERE e.event_id IS NOT NULL
        AND e.source IN (SELECT m.source FROM load_manifest AS m WHERE m.format = 'claude-code')
),
stored AS (
    SELECT
        CAST(NULL AS INTEGER) AS file_idx, s.source_row AS line_no, s.source AS stored_source,
        s.message_id, CASE WHEN NOT starts_with(s.key_rest, '~') THEN s.key_rest END AS request_id,
        s.is_sidechain, s.ts, s.tokens,
        s.source IN (SELECT unnest(getvariable('planalyzer_gone_sources'))) AS gone,
        CASE WHEN starts_with(s.key_rest, '~') THEN s.key_rest END AS scope
    FROM stored_keys AS s
    WHERE s.message_id IN (SELECT m.message_id FROM messages AS m)
),
copies AS (
    {{copies}}
),
flagged AS (
    SELECT
        c.*,
        c.is_sidechain AND c.message_id IS NOT NULL
            AND bool_or(NOT c.is_sidechain AND NOT c.gone) OVER (PARTITION BY c.message_id)
            AS replay,
        min(coalesce(c.file_idx, -1)) OVER (PARTITION BY c.message_id)
            <> max(coalesce(c.file_idx, -1)) OVER (PARTITION BY c.message_id) AS spread
    FROM copies AS c
),
filled AS (
    SELECT
        f.*,
        coalesce(f.request_id, max(CASE WHEN NOT f.replay AND NOT f.gone THEN f.request_id END)
            OVER (PARTITION BY f.message_id), f.scope) AS req
    FROM flagged AS f
),
keyed AS (
    SELECT
        f.*,
        CASE WHEN f.message_id IS NULL THEN NULL
             ELSE f.message_id || coalesce(':' || f.req, '') END AS event_id,
        f.gone AND bool_or(NOT f.gone AND NOT f.replay) OVER (
            PARTITION BY f.message_id, CASE WHEN starts_with(f.req, '~') THEN f.req END)
            AS superseded
    FROM filled AS f
)
SELECT
    k.file_idx, k.line_no, k.stored_source,
    CASE WHEN k.spread OR contains(k.message_id, ':') THEN k.message_id END AS message_id,
    k.req, k.event_id,
    NOT k.replay AND NOT k.superseded AND (k.event_id IS NULL OR row_number() OVER (
        PARTITION BY k.event_id
        ORDER BY k.replay, k.gone, k.tokens DESC, k.is_sidechain, k.ts, k.stored_source IS NULL,
            k.file_idx, k.line_no
    ) = 1) AS keep
FROM keyed AS k
