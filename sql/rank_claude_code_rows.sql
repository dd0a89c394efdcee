-- rank_claude_code_rows: the usable Claude Code rows of a batch, with the copy to keep marked.
-- inputs: cc_parsed (session_id filled: sql/fill_claude_code_sessions.sql), events,
--         load_manifest, claude_code_keys, claude_code_witnesses, variable
--         planalyzer_gone_sources; macro pa_cc_path_session
--         (sql/create_claude_code_session_macro.sql)
-- outputs: cc_ranked (temp table): file_idx, line_no, stored_source, message_id (only where
--          the message has copies in more than one file, or a stored one, or holds ':', or the
--          row is a witness to record: what sql/claude_code_links.sql and
--          sql/insert_claude_code_witnesses.sql need), req (the requestId, or scope, of its
--          key), event_id, keep, replay, main_copy (a main-thread copy on disk, kept or not),
--          witness (a stored witness: never kept) and witness_session (the session of a
--          main-thread copy to record as a witness) of each usable row of the batch, of each
--          copy earlier loads kept of its messages and of each witness of them
-- params: none
-- slots: {{copies}} (SELECT * FROM fresh, and UNION ALL SELECT * FROM stored UNION ALL
--        SELECT * FROM witnesses when the store holds Claude Code events: on a cold load the
--        union, even of nothing, costs 40 ms of the ranking's 110 ms for 66,553 rows)
-- The key is message.id + requestId. A copy without requestId has its scope for one: '~', its
-- session (sessionId, or the session its file's path names: sql/fill_claude_code_sessions.sql)
-- and, unless message.id is an Anthropic id (msg_...), '@' and its time in epoch milliseconds.
-- That is ccusage's key of a line without requestId (PR #1661, github.com/ccusage/ccusage/
-- pull/1661, for issue #1635: a relay answering every response with the same message id; the
-- msg_ exception in its later daily.rs), so a relay's turns in other sessions or at other
-- times are not one message; a copy without requestId is never one with a copy that has one
-- (ccusage 20.0.24 counts both). A stored copy's key is read back from its event_id (or
-- claude_code_keys.request_id).
-- Sidechain lines, as ccusage 20.0.24 counts them: a sidechain line of a message that a
-- main-thread line of the same session holds (kept or not) is a replay (a subagent replaying
-- its parent's message), dropped whatever its requestId; a sidechain line in another session
-- than the main-thread copies of its message is no replay. The sidechain lines of one message
-- in one session without a main-thread copy there are one request: the one with the most
-- tokens is kept (they also dedupe on their keys with other sessions' copies). A main-thread
-- copy on disk that is not kept while its key's kept copy is of another session is a witness
-- of its session's main-thread copy (witness_session): recorded
-- (sql/create_claude_code_witnesses.sql), it makes that session's sidechain copies replays in
-- later loads too.
-- Per key the copy with the most tokens is kept, a main-thread copy before a sidechain one
-- (before tokens, as ccusage ranks them), then the earliest (an earlier load's copy before this
-- batch's).
-- A copy an earlier load kept from a file now gone from disk (the variable
-- planalyzer_gone_sources: a transcript moved, or deleted while a copy stays) ranks after every
-- copy on disk, makes no sidechain copy a replay, and, a main-thread copy, is dropped where its
-- session's sidechain copies of the message on disk are no longer replays (they count it now,
-- as a load without --db, which never sees it, counts them).
-- The copies earlier loads kept of the batch's messages (events of Claude Code files;
-- stored_source and line_no name the event) are ranked with the batch, so a folder loaded in
-- several runs keeps what one load of it keeps: a stored copy that loses is deleted
-- (sql/delete_claude_code_displaced.sql). A stored event's message.id and key are read from
-- its event_id (message.id, ':', requestId or scope), its session is its file's, and it is a
-- main-thread line, unless claude_code_keys says otherwise (sql/create_claude_code_keys.sql).
-- Copies earlier loads dropped are not ranked again (they lost to the stored copy under the
-- same order), but for the witnesses they recorded (main-thread copies that are never kept).
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
        p.session_id AS session, p.is_sidechain, p.ts,
        p.input_tokens + p.cache_write_tokens + p.cache_write_1h_tokens + p.cache_read_tokens
            + p.output_tokens AS tokens,
        false AS gone,
        coalesce(p.request_id, CASE WHEN p.message_id IS NOT NULL THEN
            '~' || p.session_id
            || CASE WHEN regexp_full_match(p.message_id, 'msg_[0-9A-Za-z_-]+') THEN ''
                    ELSE '@' || epoch_ms(p.ts) END
        END) AS req,
        false AS witness
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
        END AS req,
        coalesce(k.is_sidechain, false) AS is_sidechain,
        k.session_id
    FROM events AS e
    LEFT JOIN claude_code_keys AS k ON k.source = e.source AND k.source_row = e.source_row
    WHERE e.event_id IS NOT NULL
        AND e.source IN (SELECT m.source FROM load_manifest AS m WHERE m.format = 'claude-code')
),
stored AS (
    SELECT
        CAST(NULL AS INTEGER) AS file_idx, s.source_row AS line_no, s.source AS stored_source,
        s.message_id,
        coalesce(s.session_id, pa_cc_path_session(string_split_regex(s.source, '[/\\]')))
            AS session,
        s.is_sidechain, s.ts, s.tokens,
        s.source IN (SELECT unnest(getvariable('planalyzer_gone_sources'))) AS gone,
        s.req, false AS witness
    FROM stored_keys AS s
    WHERE s.message_id IN (SELECT m.message_id FROM messages AS m)
),
witnesses AS (
    SELECT
        CAST(NULL AS INTEGER) AS file_idx, w.source_row AS line_no, w.source AS stored_source,
        w.message_id, w.session_id AS session, false AS is_sidechain,
        CAST(NULL AS TIMESTAMPTZ) AS ts, CAST(0 AS BIGINT) AS tokens,
        w.source IN (SELECT unnest(getvariable('planalyzer_gone_sources'))) AS gone,
        CAST(NULL AS VARCHAR) AS req, true AS witness
    FROM claude_code_witnesses AS w
    WHERE w.message_id IN (SELECT m.message_id FROM messages AS m)
),
copies AS (
    {{copies}}
),
sessions AS (
    -- per message and session: whether a main-thread copy, or a sidechain copy, is on disk, and
    -- the first copy in the order a session's sidechain copies are ranked: sidechain copies
    -- first (one window: the partition is sorted once)
    SELECT
        c.*,
        bool_or(NOT c.is_sidechain AND NOT c.gone) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING
            AND UNBOUNDED FOLLOWING) AS main_on_disk,
        bool_or(c.is_sidechain AND NOT c.gone) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING
            AND UNBOUNDED FOLLOWING) AS side_on_disk,
        row_number() OVER w = 1 AS first_in_session,
        min(coalesce(c.file_idx, -1)) OVER (PARTITION BY c.message_id)
            <> max(coalesce(c.file_idx, -1)) OVER (PARTITION BY c.message_id) AS spread
    FROM copies AS c
    WINDOW w AS (
        PARTITION BY c.message_id, c.session
        ORDER BY c.is_sidechain DESC, c.gone, c.tokens DESC, c.ts, c.stored_source IS NULL,
            c.file_idx, c.line_no
    )
),
flagged AS (
    SELECT
        s.*,
        s.message_id IS NOT NULL AND s.is_sidechain AND s.main_on_disk AS replay,
        s.message_id IS NOT NULL AND s.gone AND NOT s.is_sidechain AND s.side_on_disk
            AND NOT s.main_on_disk AS superseded,
        CASE WHEN s.message_id IS NOT NULL AND NOT s.witness
             THEN s.message_id || coalesce(':' || s.req, '') END AS event_id
    FROM sessions AS s
),
keyed AS (
    SELECT
        r.*,
        row_number() OVER k AS key_rank,
        first_value(r.session) OVER k AS key_session
    FROM flagged AS r
    WINDOW k AS (
        PARTITION BY r.event_id
        ORDER BY r.replay OR r.superseded, r.gone, r.is_sidechain, r.tokens DESC, r.ts,
            r.stored_source IS NULL, r.file_idx, r.line_no
    )
),
kept AS (
    SELECT
        k.*,
        NOT k.witness AND NOT k.replay AND NOT k.superseded AND (k.event_id IS NULL OR (
            (NOT k.is_sidechain OR k.first_in_session) AND k.key_rank = 1)) AS keep
    FROM keyed AS k
),
witnessed AS (
    SELECT
        k.*,
        -- a main-thread copy on disk dropped for its key's kept copy of another session
        CASE WHEN NOT k.keep AND NOT k.is_sidechain AND NOT k.gone AND k.event_id IS NOT NULL
                  AND k.key_session IS DISTINCT FROM k.session
             THEN k.session END AS witness_session
    FROM kept AS k
)
SELECT
    w.file_idx, w.line_no, w.stored_source,
    CASE WHEN w.spread OR contains(w.message_id, ':') OR w.witness_session IS NOT NULL
         THEN w.message_id END AS message_id,
    w.req, w.event_id, w.keep, w.replay,
    w.message_id IS NOT NULL AND NOT w.is_sidechain AND NOT w.gone AS main_copy, w.witness,
    w.witness_session
FROM witnessed AS w
