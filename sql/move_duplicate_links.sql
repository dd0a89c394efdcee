-- move_duplicate_links: a moved file (same bytes under a new path) takes over its gone path's
-- duplicate links, both the copies it dropped and the copies it holds for other files.
-- inputs: duplicate_links
-- outputs: duplicate_links ($old_source renamed $new_source in either column)
-- params: $old_source, $new_source
-- slots: none
UPDATE duplicate_links
SET source = CASE WHEN source = $old_source THEN $new_source ELSE source END,
    kept_source = CASE WHEN kept_source = $old_source THEN $new_source ELSE kept_source END
WHERE source = $old_source OR kept_source = $old_source
