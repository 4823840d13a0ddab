-- 0001 (PostgreSQL): same schema as migrations/sqlite/0001_inventory.sql.
-- Times are unix milliseconds, UTC. Counters (up to 2^64-1) are stored as
-- 20-digit zero-padded text so they compare as text.
CREATE TABLE devices (
    device_id          TEXT    PRIMARY KEY,
    device_type        TEXT    NOT NULL,
    status             TEXT    NOT NULL DEFAULT '',
    status_since       BIGINT NOT NULL,
    manufacturer       TEXT    NOT NULL DEFAULT '',
    model              TEXT    NOT NULL DEFAULT '',
    hardware_version   TEXT    NOT NULL DEFAULT '',
    firmware_version   TEXT    NOT NULL DEFAULT '',
    smets_chts_version TEXT    NOT NULL DEFAULT '',
    gbcs_version       TEXT    NOT NULL DEFAULT '',
    esme_variant       TEXT    NOT NULL DEFAULT '',
    chf_id             TEXT    NOT NULL DEFAULT '',
    gpf_id             TEXT    NOT NULL DEFAULT '',
    meter_id           TEXT    NOT NULL DEFAULT '',
    import_mpxn        TEXT    NOT NULL DEFAULT '',
    secondary_mpan     TEXT    NOT NULL DEFAULT '',
    export_mpan        TEXT    NOT NULL DEFAULT '',
    install_code       BYTEA,
    date_commissioned  BIGINT NOT NULL DEFAULT 0,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX devices_mpxn ON devices(import_mpxn) WHERE import_mpxn <> '';

CREATE TABLE status_history (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id    TEXT    NOT NULL,
    device_type  TEXT    NOT NULL,
    from_status  TEXT    NOT NULL,
    to_status    TEXT    NOT NULL,
    trigger_name TEXT    NOT NULL,
    rule_id      TEXT    NOT NULL,
    request_id   TEXT    NOT NULL,
    at           BIGINT NOT NULL
);
CREATE INDEX status_history_device ON status_history(device_id, id);

CREATE TABLE originators (
    originator   TEXT PRIMARY KEY,
    last_counter TEXT NOT NULL
);

CREATE TABLE requests (
    request_id      TEXT    PRIMARY KEY,
    originator      TEXT    NOT NULL,
    counter         TEXT    NOT NULL,
    variant         TEXT    NOT NULL,
    body_hash       TEXT    NOT NULL,
    idempotency_key TEXT    UNIQUE,
    principal       TEXT    NOT NULL,
    job_id          TEXT    NOT NULL DEFAULT '',
    acted_at        BIGINT NOT NULL,
    received_at     BIGINT NOT NULL,
    applied_at      BIGINT NOT NULL,
    response_code   TEXT    NOT NULL,
    outcome_code    TEXT    NOT NULL,
    response        BYTEA    NOT NULL
);
CREATE INDEX requests_received ON requests(received_at);

CREATE TABLE tokens (
    token_hash TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL,
    role       TEXT    NOT NULL CHECK (role IN ('installer', 'backoffice', 'admin')),
    created_at BIGINT NOT NULL,
    revoked    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE jobs (
    job_id     TEXT    PRIMARY KEY,
    installer  TEXT    NOT NULL,
    site       TEXT    NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX jobs_installer ON jobs(installer);

CREATE TABLE job_devices (
    job_id    TEXT NOT NULL REFERENCES jobs(job_id),
    device_id TEXT NOT NULL,
    PRIMARY KEY (job_id, device_id)
);
CREATE INDEX job_devices_device ON job_devices(device_id);

CREATE TABLE readings (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id      TEXT    NOT NULL,
    device_id   TEXT    NOT NULL,
    register    TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    read_at     BIGINT NOT NULL,
    recorded_by TEXT    NOT NULL
);
CREATE INDEX readings_device ON readings(device_id, id);

CREATE TABLE audit (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      BIGINT NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    subject TEXT    NOT NULL,
    detail  TEXT    NOT NULL
);
