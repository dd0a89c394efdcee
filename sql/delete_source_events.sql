-- delete_source_events: forget the events one source file contributed (before reloading it).
-- inputs: events
-- outputs: events rows of $source deleted
-- params: $source
-- slots: none
DELETE FROM events WHERE source = $source
