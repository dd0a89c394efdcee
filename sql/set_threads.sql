-- set_threads: the number of threads DuckDB runs a statement on.
-- inputs: none
-- outputs: the connection's threads setting
-- params: $threads
-- slots: none
-- Setting it also stops the old worker threads, which frees their allocation caches.
SET threads = $threads
