-- 0003: the schema version of each package that keeps tables in this file
-- (store.Module: jobs, ...), so packages need no version table of their own.
CREATE TABLE schema_modules (
    module  TEXT PRIMARY KEY,
    version INTEGER NOT NULL
) STRICT;
