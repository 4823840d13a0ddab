-- 0002: where each pull stream of the sync client stopped. The cursor is the
-- opaque string the inventory service returned (sync/api PullResponse.Cursor).
CREATE TABLE sync_cursors (
    stream     TEXT PRIMARY KEY,
    cursor     TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
