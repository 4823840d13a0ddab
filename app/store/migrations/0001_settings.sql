-- 0001: key/value settings of this installation (installer ID, device name,
-- last sync server). Values are text; updated_at is unix milliseconds, UTC.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
