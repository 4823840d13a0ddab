-- 0001: the SMI, the request log, auth, jobs, readings and the audit log.
-- Times are unix milliseconds, UTC. Counters (up to 2^64-1) are stored as
-- 20-digit zero-padded text so they compare as text.
CREATE TABLE devices (
    device_id          TEXT    PRIMARY KEY,
    device_type        TEXT    NOT NULL,
    status             TEXT    NOT NULL DEFAULT '',
    status_since       INTEGER NOT NULL,
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
    install_code       BLOB,
    date_commissioned  INTEGER NOT NULL DEFAULT 0,
    updated_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX devices_mpxn ON devices(import_mpxn) WHERE import_mpxn <> '';

CREATE TABLE status_history (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id    TEXT    NOT NULL,
    device_type  TEXT    NOT NULL,
    from_status  TEXT    NOT NULL,
    to_status    TEXT    NOT NULL,
    trigger_name TEXT    NOT NULL,
    rule_id      TEXT    NOT NULL,
    request_id   TEXT    NOT NULL,
    at           INTEGER NOT NULL
) STRICT;
CREATE INDEX status_history_device ON status_history(device_id, id);

CREATE TABLE originators (
    originator   TEXT PRIMARY KEY,
    last_counter TEXT NOT NULL
) STRICT;

CREATE TABLE requests (
    request_id      TEXT    PRIMARY KEY,
    originator      TEXT    NOT NULL,
    counter         TEXT    NOT NULL,
    variant         TEXT    NOT NULL,
    body_hash       TEXT    NOT NULL,
    idempotency_key TEXT    UNIQUE,
    principal       TEXT    NOT NULL,
    job_id          TEXT    NOT NULL DEFAULT '',
    acted_at        INTEGER NOT NULL,
    received_at     INTEGER NOT NULL,
    applied_at      INTEGER NOT NULL,
    response_code   TEXT    NOT NULL,
    outcome_code    TEXT    NOT NULL,
    response        BLOB    NOT NULL
) STRICT;
CREATE INDEX requests_received ON requests(received_at);

CREATE TABLE tokens (
    token_hash TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL,
    role       TEXT    NOT NULL CHECK (role IN ('installer', 'backoffice', 'admin')),
    created_at INTEGER NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE jobs (
    job_id     TEXT    PRIMARY KEY,
    installer  TEXT    NOT NULL,
    site       TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX jobs_installer ON jobs(installer);

CREATE TABLE job_devices (
    job_id    TEXT NOT NULL REFERENCES jobs(job_id),
    device_id TEXT NOT NULL,
    PRIMARY KEY (job_id, device_id)
) STRICT;
CREATE INDEX job_devices_device ON job_devices(device_id);

CREATE TABLE readings (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id      TEXT    NOT NULL,
    device_id   TEXT    NOT NULL,
    register    TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    read_at     INTEGER NOT NULL,
    recorded_by TEXT    NOT NULL
) STRICT;
CREATE INDEX readings_device ON readings(device_id, id);

CREATE TABLE audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    subject TEXT    NOT NULL,
    detail  TEXT    NOT NULL
) STRICT;
