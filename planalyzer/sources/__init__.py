"""Log sources: each maps one format onto the canonical events schema.

``files`` finds the files a user named (paths, folders, globs); ``mapping`` says which of a
file's columns is which canonical column; ``tabular`` builds the SQL projection that reads a
parquet, CSV or JSON-lines file into canonical columns.
"""
