-- move_manifest_entry: a moved file takes over its gone path's manifest entry.
-- inputs: load_manifest
-- outputs: the row of $old_source now under $new_source with the new file's mtime (its size
--          and content hash are the same: that is how the move is known)
-- params: $old_source, $new_source, $mtime_ns
-- slots: none
UPDATE load_manifest SET source = $new_source, mtime_ns = $mtime_ns WHERE source = $old_source
