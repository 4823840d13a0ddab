-- 0001: the outbox. Times are unix milliseconds, UTC. id is AUTOINCREMENT so
-- an id is never reused: per-job order is id order. Purge deletes only applied
-- or discarded messages; a child of a purged parent then has no parent left
-- to wait for (ON DELETE SET NULL), which is right since the parent was done.
CREATE TABLE outbox_messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id          TEXT    NOT NULL,
    parent_id       INTEGER REFERENCES outbox_messages(id) ON DELETE SET NULL,
    kind            TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL UNIQUE,
    payload         BLOB    NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until     INTEGER NOT NULL DEFAULT 0,
    state           TEXT    NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'inflight', 'applied', 'rejected', 'dead', 'discarded')),
    last_error      TEXT    NOT NULL DEFAULT '',
    outcome         TEXT,
    updated_at      INTEGER NOT NULL
) STRICT;

-- Receive walks the open messages in id order without touching history.
CREATE INDEX outbox_open ON outbox_messages(id) WHERE state IN ('pending', 'inflight');
-- "Is an earlier message of this job still open?" without scanning history.
CREATE INDEX outbox_job_open ON outbox_messages(job_id, id) WHERE state NOT IN ('applied', 'discarded');
CREATE INDEX outbox_job ON outbox_messages(job_id, id);
CREATE INDEX outbox_parent ON outbox_messages(parent_id) WHERE parent_id IS NOT NULL;
