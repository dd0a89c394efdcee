-- json_documents: a text file read as JSON documents one after another (each one line, or
-- pretty-printed over several): how many, and of the first its kind and its keys that hold a
-- list (where its rows may be).
-- inputs: the file at $path
-- outputs: one row: documents, kind (json_type of the first: OBJECT, ARRAY ...), list_keys
--          (VARCHAR[]: the first document's keys whose value is a list, in its order)
-- params: $path, $max_object_size (bytes: a document larger than DuckDB's default is read
--         whole)
-- slots: none
-- Run only where a JSON-lines file could not be read line by line (planalyzer.sources.staging):
-- a file that is not a sequence of JSON documents fails here too.
SELECT count(*) AS documents,
       first(json_type(o.json) ORDER BY o.n) AS kind,
       first(list_filter(json_keys(o.json), lambda k: json_type(o.json, '$."' || replace(k, '"',
             '\"') || '"') = 'ARRAY') ORDER BY o.n) AS list_keys
FROM (SELECT json, row_number() OVER () AS n
      FROM read_json_objects($path, format = 'unstructured',
                             maximum_object_size = $max_object_size,
                             hive_partitioning = false)) AS o
