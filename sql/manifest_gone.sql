-- manifest_gone: the files a --db store already marked gone from disk.
-- inputs: load_manifest
-- outputs: one row per such file: source
-- params: none
-- slots: none
-- A transcript found gone is marked once (sql/set_gone_marks.sql: content_hash 'gone:...'),
-- after the files that may hold copies of its rows were read again: later loads take it as
-- gone without looking for it on disk or reading those files again (planalyzer/store_gone.py).
SELECT source
FROM load_manifest
WHERE starts_with(content_hash, 'gone:')
