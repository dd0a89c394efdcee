-- connection_has_table: does a query on this connection find the table or view $name by its
-- bare name (in the database's main schema, the current schema, or a temp one)?
-- inputs: information_schema.tables
-- outputs: one row: found (boolean)
-- params: $name
-- slots: none
SELECT count(*) > 0 AS found
FROM information_schema.tables
WHERE table_name = $name
  AND table_catalog IN (current_database(), 'temp')
  AND table_schema IN ('main', current_schema())
