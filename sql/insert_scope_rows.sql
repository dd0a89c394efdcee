-- insert_scope_rows: copy rows picked by me_scope_rows (registered as scope_in) into a fresh
-- in-memory store's table of the same name.
-- inputs: scope_in
-- outputs: {{table}} (rows appended, matched by column name)
-- params: none
-- slots: {{table}}
INSERT INTO {{table}} BY NAME SELECT * FROM scope_in
