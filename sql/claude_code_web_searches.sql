-- claude_code_web_searches: the web searches the loaded messages of a Claude Code batch log
-- (usage.server_tool_use.web_search_requests: Anthropic bills web search per search, on top
-- of the tokens), per file of the message's kept copy.
-- inputs: cc_extras (sql/stage_claude_code_extras.sql)
-- outputs: file_idx, messages (those with searches), searches
-- params: none
-- slots: none
-- Once per message: its streamed copies repeat its usage; the copy that logs the most counts.
SELECT s.kept_file AS file_idx, count(*) AS messages, sum(s.n) AS searches
FROM (
    SELECT e.k, any_value(e.kept_file) AS kept_file, max(e.searches) AS n
    FROM cc_extras AS e
    GROUP BY e.k
) AS s
WHERE s.n > 0
GROUP BY s.kept_file
ORDER BY s.kept_file
