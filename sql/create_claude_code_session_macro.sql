-- create_claude_code_session_macro: pa_cc_path_session(parts): the session a Claude Code
--   transcript's path names, for its lines that name none (sessionId missing), as ccusage
--   reads it from the path.
-- inputs: the macro's argument: the path's parts (string_split_regex(source, '[/\\]'))
-- outputs: temp macro pa_cc_path_session (VARCHAR)
-- params: none
-- slots: none
-- Below a projects/ folder: a subagent's file (projects/<project>/.../<session>/subagents/
-- <agent>.jsonl) is of the folder above subagents/; a file right in a project's folder is its
-- name without .jsonl (.jsonl.gz, .jsonl.zst); a file deeper is its folder's name. A file under
-- no projects/ folder (one transcript named alone) is its name. Checked against ccusage 20.0.24
-- (lines without sessionId in -w/S1.jsonl and -w/S1/subagents/agent-1.jsonl are one session,
-- in -w/x/y.jsonl and -w/x.jsonl one, in -w/x/S1/subagents/a.jsonl and -w/x/S1.jsonl two).
-- (Slices are inclusive: parts[:-5] are the parts 4 or more above the file's name.) List and
-- string functions, no regular expression: regular expressions took 55 ms for 5,900 paths,
-- these 6 ms.
CREATE OR REPLACE TEMP MACRO pa_cc_path_session(parts) AS CASE
    WHEN parts[-2] = 'subagents' AND list_position(parts[:-5], 'projects') IS NOT NULL
        THEN parts[-3]
    WHEN parts[-3] IS NOT DISTINCT FROM 'projects'
        OR list_position(parts[:-4], 'projects') IS NULL THEN CASE
            WHEN suffix(parts[-1], '.jsonl') THEN parts[-1][:-7]
            WHEN suffix(parts[-1], '.jsonl.gz') THEN parts[-1][:-10]
            WHEN suffix(parts[-1], '.jsonl.zst') THEN parts[-1][:-11]
            ELSE parts[-1] END
    ELSE parts[-2]
END
