-- create_claude_code_session_macro: pa_cc_path_session(source): the session a Claude Code
--   transcript's path names, for its lines that name none (sessionId missing), as ccusage
--   reads it from the path.
-- inputs: none
-- outputs: temp macro pa_cc_path_session (VARCHAR)
-- params: none
-- slots: none
-- Below a projects/ folder (the last folder of that name in the path): a subagent's file
-- (projects/<project>/.../<session>/subagents/<agent>.jsonl) is of the folder above
-- subagents/; a file right in a project's folder is its name without .jsonl (.jsonl.gz,
-- .jsonl.zst); a file deeper is its folder's name. A file under no projects/ folder (one
-- transcript named alone) is its name. Checked against ccusage 20.0.24 (lines without sessionId
-- in -w/S1.jsonl and -w/S1/subagents/agent-1.jsonl are one session, in -w/x/y.jsonl and
-- -w/x.jsonl one, in -w/x/S1/subagents/a.jsonl and -w/x/S1.jsonl two).
CREATE OR REPLACE TEMP MACRO pa_cc_path_session(source) AS CASE
    WHEN regexp_matches(source, '[/\\]projects[/\\].+[/\\][^/\\]+[/\\]subagents[/\\][^/\\]+$')
        THEN regexp_extract(source, '([^/\\]+)[/\\]subagents[/\\][^/\\]+$', 1)
    WHEN regexp_matches(source, '[/\\]projects[/\\][^/\\]+[/\\].*[/\\]')
        AND NOT regexp_matches(source, '[/\\]projects[/\\][^/\\]+[/\\][^/\\]+$')
        THEN regexp_extract(source, '([^/\\]+)[/\\][^/\\]+$', 1)
    ELSE regexp_extract(source, '([^/\\]*?)(\.jsonl(\.gz|\.zst)?)?$', 1)
END
