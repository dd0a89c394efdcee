-- delete_source_rejected: forget the rejected rows of one source file (before reloading it).
-- inputs: rejected_rows
-- outputs: rejected_rows rows of $source deleted
-- params: $source
-- slots: none
DELETE FROM rejected_rows WHERE source = $source
