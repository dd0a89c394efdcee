-- store_tables: the tables and views in the main schema of the opened database file, and the
-- columns of those of planalyzer's tables whose columns are checked before anything is
-- created (events, store_settings, duplicate_links: planalyzer/store_open.py).
-- inputs: information_schema.tables, information_schema.columns
-- outputs: rows (table_name, columns, types): columns is the list of column names, in order,
--   types their DuckDB types (information_schema's data_type), in the same order
-- params: none
-- slots: none
SELECT t.table_name,
       list(c.column_name ORDER BY c.ordinal_position) FILTER (WHERE c.column_name IS NOT NULL)
           AS columns,
       list(c.data_type ORDER BY c.ordinal_position) FILTER (WHERE c.column_name IS NOT NULL)
           AS types
FROM information_schema.tables AS t
LEFT JOIN information_schema.columns AS c
    ON c.table_catalog = t.table_catalog AND c.table_schema = t.table_schema
    AND c.table_name = t.table_name
    AND t.table_name IN ('events', 'store_settings', 'duplicate_links')
WHERE t.table_catalog = current_database() AND t.table_schema = 'main'
GROUP BY t.table_name
ORDER BY t.table_name
