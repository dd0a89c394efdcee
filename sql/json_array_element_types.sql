-- json_array_element_types: the JSON type of each element of a file holding one JSON array.
-- inputs: read_json_objects($path, format = 'array')
-- outputs: rows in file order: element (1-based), kind (json_type: OBJECT, NULL, ARRAY,
--          VARCHAR, BOOLEAN, UBIGINT, BIGINT, DOUBLE ...)
-- params: $path
-- slots: none
-- Run only where the array's staged rows need it (planalyzer.sources.staging): an element that
-- is null (read_json gives it a row with every column NULL) or no object (read_json then reads
-- the whole array as one column), or no element at all.
SELECT row_number() OVER () AS element, json_type(o.json) AS kind
FROM read_json_objects($path, format = 'array', hive_partitioning = false) AS o
