-- 0002 (PostgreSQL): pushed messages that are not DUIS requests (evidence, job updates),
-- kept once per idempotency key. Times are unix milliseconds, UTC.
CREATE TABLE messages (
    idempotency_key TEXT    PRIMARY KEY,
    job_id          TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    principal       TEXT    NOT NULL,
    body_hash       TEXT    NOT NULL,
    body            BYTEA    NOT NULL,
    created_at      BIGINT NOT NULL,
    received_at     BIGINT NOT NULL
);
CREATE INDEX messages_job ON messages(job_id);
CREATE INDEX requests_job ON requests(job_id) WHERE job_id <> '';
