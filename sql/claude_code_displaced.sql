-- claude_code_displaced: the copies earlier loads kept that a batch's copies now replace.
-- inputs: cc_ranked
-- outputs: one row per source: source, rows (its stored events that lost to a copy of this
--          batch, or became a replay of its main-thread copy; stored witnesses are no events)
-- params: none
-- slots: none
SELECT stored_source AS source, count(*) AS n
FROM cc_ranked
WHERE stored_source IS NOT NULL AND NOT keep AND NOT witness
GROUP BY stored_source
ORDER BY stored_source
