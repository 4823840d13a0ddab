-- 0007 (PostgreSQL): the service's long-lived X25519 key pair for secrets
-- sealed to it (sync/api SealFor): generated on first use, the private key
-- sealed with the install-code sealing key (inventory.Sealer.SealBytes,
-- associated data "smetskit seal key " + key_id). slot 'current' is the key
-- pulls carry.
CREATE TABLE seal_keys (
    slot           TEXT   PRIMARY KEY,
    key_id         TEXT   NOT NULL UNIQUE,
    public_key     BYTEA  NOT NULL,
    sealed_private BYTEA  NOT NULL,
    created_at     BIGINT NOT NULL
);
-- Content-addressed blobs (photos) pushed before the messages that name
-- them: PUT /v1/blobs/{sha256}. Stored once per hash; job_id is the job of
-- the first upload, the installer who may read it back.
CREATE TABLE blobs (
    sha256      TEXT   PRIMARY KEY,
    size        BIGINT NOT NULL,
    content     BYTEA  NOT NULL,
    job_id      TEXT   NOT NULL,
    principal   TEXT   NOT NULL,
    received_at BIGINT NOT NULL
);
