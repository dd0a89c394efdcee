-- drop_duplicate_events: delete the copies sql/rank_duplicate_events.sql chose to drop;
-- returns the deleted rows.
-- inputs: events, dup_dropped (temp table)
-- outputs: events (duplicates deleted); RETURNING source and ts (epoch microseconds) of each
--          deleted row
-- params: none
-- slots: none
DELETE FROM events
WHERE rowid IN (SELECT d.rid FROM dup_dropped AS d)
RETURNING source, epoch_us(ts) AS ts_us
