-- rejected_reasons: rejected rows of one source file, counted by reason.
-- inputs: rejected_rows
-- outputs: reason, n
-- params: $source
-- slots: none
SELECT reason, count(*) AS n FROM rejected_rows WHERE source = $source GROUP BY reason
