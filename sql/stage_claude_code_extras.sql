-- stage_claude_code_extras: the copies in a Claude Code batch of the loaded messages whose
-- usage logs something besides the tokens their rows hold (web searches, the advisor tool's
-- sub-inferences), each with its message's key and the file of the copy the load keeps.
-- inputs: cc_parsed (web_searches, iterations: sql/create_claude_code_stage_macro.sql),
--         cc_ranked
-- outputs: cc_extras (temp table): k (the message's dedupe key: ':' || event_id, or '#' and
--          the line of a copy without one), file_idx, line_no (the copy), kept_file (the file
--          of the message's kept copy, or of its first copy read now where an earlier load
--          stored the kept one), searches (its web_search_requests, 0 where none or
--          not a whole number of 0 or more), iterations (its usage.iterations where one is
--          the advisor's, else NULL)
-- params: none
-- slots: none
-- Only messages the load keeps a copy of: a sidechain replay is its main-thread message's copy
-- (the same key), or a key of its own that keeps none. The kept copy may be one an earlier
-- load stored (a message whose copies straddle an append: the later copies log the advisor's
-- answer): the message then counts under the file of its copy read now, so a message whose
-- copies two loads read is named by both loads' notes. A copy without event_id is its
-- message's only copy, always kept. Read by sql/claude_code_web_searches.sql and
-- sql/claude_code_advisor_iterations.sql: each message counts once (its copies repeat its
-- usage).
CREATE OR REPLACE TEMP TABLE cc_extras AS
WITH extra AS (
    SELECT p.file_idx, p.line_no, greatest(coalesce(p.web_searches, 0), 0) AS searches,
           CASE WHEN json_type(p.iterations) = 'ARRAY' THEN p.iterations END AS iterations
    FROM cc_parsed AS p
    WHERE p.is_usage AND p.reject_reason IS NULL
        AND (p.web_searches > 0 OR p.iterations IS NOT NULL)
),
keyed AS (
    SELECT r.event_id,
           CASE WHEN r.event_id IS NULL THEN '#' || r.file_idx || '/' || r.line_no
                ELSE ':' || r.event_id END AS k, e.*
    FROM extra AS e
    JOIN cc_ranked AS r ON r.file_idx = e.file_idx AND r.line_no = e.line_no
),
kept AS (
    -- file_idx NULL: a copy an earlier load stored
    SELECT ':' || r.event_id AS k, r.file_idx
    FROM cc_ranked AS r
    WHERE r.keep AND r.event_id IN (SELECT k.event_id FROM keyed AS k)
    UNION ALL
    SELECT k.k, k.file_idx FROM keyed AS k WHERE k.event_id IS NULL
)
SELECT k.k, k.file_idx, k.line_no,
       coalesce(t.file_idx, min(k.file_idx) OVER (PARTITION BY k.k)) AS kept_file,
       k.searches, k.iterations
FROM keyed AS k
JOIN kept AS t ON t.k = k.k
