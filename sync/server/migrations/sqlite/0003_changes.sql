-- 0003: a change sequence for the pull cursor (sync/api GET /v1/changes),
-- job details the app shows, and removals. Writes hold the service-wide
-- lock, so sequence numbers commit in order and a cursor never skips one.
CREATE TABLE change_seq (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
) STRICT;
INSERT INTO change_seq (id, seq) VALUES (1, 0);
ALTER TABLE devices ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN postcode TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'install';
ALTER TABLE jobs ADD COLUMN status TEXT NOT NULL DEFAULT 'assigned';
ALTER TABLE jobs ADD COLUMN scheduled_for INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
CREATE TABLE removals (
    seq  INTEGER NOT NULL,
    kind TEXT    NOT NULL,
    id   TEXT    NOT NULL
) STRICT;
CREATE INDEX devices_change ON devices(change_seq);
CREATE INDEX jobs_change ON jobs(change_seq);
CREATE INDEX removals_seq ON removals(seq);
