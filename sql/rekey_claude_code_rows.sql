-- rekey_claude_code_rows: a stored copy still kept whose key changed (a copy of this batch
-- gave its message the requestId it lacked) takes the new key.
-- inputs: cc_ranked
-- outputs: events (event_id) or claude_code_keys (request_id) updated ({{table}})
-- params: none
-- slots: {{table}} (events or claude_code_keys), {{column}} (event_id or request_id), {{value}}
--        (r.event_id or r.req)
UPDATE {{table}} AS t
SET {{column}} = {{value}}
FROM cc_ranked AS r
WHERE r.stored_source IS NOT NULL AND r.keep
    AND t.source = r.stored_source AND t.source_row = r.line_no
    AND t.{{column}} IS DISTINCT FROM {{value}}
