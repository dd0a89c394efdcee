-- delete_source_rows: forget what one source file contributed to a source's own table.
-- inputs: {{table}} (a table with a source column, named by the source module, quoted)
-- outputs: rows of $source deleted
-- params: $source
-- slots: {{table}}
DELETE FROM {{table}} WHERE source = $source
