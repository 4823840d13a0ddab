-- 0003 (PostgreSQL): a change sequence for the pull cursor (sync/api GET /v1/changes),
-- job details the app shows, and removals. Writes hold the service-wide
-- lock, so sequence numbers commit in order and a cursor never skips one.
CREATE TABLE change_seq (
    id  BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO change_seq (id, seq) VALUES (1, 0);
ALTER TABLE devices ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN postcode TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'install';
ALTER TABLE jobs ADD COLUMN status TEXT NOT NULL DEFAULT 'assigned';
ALTER TABLE jobs ADD COLUMN scheduled_for BIGINT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
CREATE TABLE removals (
    seq  BIGINT NOT NULL,
    kind TEXT    NOT NULL,
    id   TEXT    NOT NULL
);
CREATE INDEX devices_change ON devices(change_seq);
CREATE INDEX jobs_change ON jobs(change_seq);
CREATE INDEX removals_seq ON removals(seq);
