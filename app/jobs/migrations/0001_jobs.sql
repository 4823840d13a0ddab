-- Jobs (work orders) as pulled from the inventory service, and what the
-- engineer adds on site. Times are unix milliseconds, UTC.
CREATE TABLE jobs (
	job_id            TEXT PRIMARY KEY,
	kind              TEXT NOT NULL,
	status            TEXT NOT NULL,
	site              TEXT NOT NULL, -- JSON Site
	tasks             TEXT NOT NULL, -- JSON []Task
	scheduled_for     INTEGER NOT NULL DEFAULT 0,
	started_at        INTEGER NOT NULL DEFAULT 0,
	started_device_at INTEGER NOT NULL DEFAULT 0,
	ended_at          INTEGER NOT NULL DEFAULT 0,
	ended_device_at   INTEGER NOT NULL DEFAULT 0,
	updated_at        INTEGER NOT NULL
) STRICT;

CREATE TABLE job_devices (
	job_id       TEXT NOT NULL REFERENCES jobs(job_id) ON DELETE CASCADE,
	device_id    TEXT NOT NULL,
	device_type  TEXT NOT NULL,
	manufacturer TEXT NOT NULL DEFAULT '',
	model        TEXT NOT NULL DEFAULT '',
	status       TEXT NOT NULL DEFAULT '',
	cpl_status   TEXT NOT NULL DEFAULT '',
	import_mpxn  TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (job_id, device_id)
) STRICT;

CREATE TABLE job_checklist (
	job_id  TEXT NOT NULL REFERENCES jobs(job_id) ON DELETE CASCADE,
	item_id TEXT NOT NULL,
	seq     INTEGER NOT NULL,
	label   TEXT NOT NULL,
	done    INTEGER NOT NULL DEFAULT 0,
	done_at INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (job_id, item_id)
) STRICT;

CREATE TABLE job_notes (
	id      INTEGER PRIMARY KEY,
	job_id  TEXT NOT NULL REFERENCES jobs(job_id) ON DELETE CASCADE,
	text    TEXT NOT NULL,
	at      INTEGER NOT NULL
) STRICT;

-- Photo bytes are stored once, by SHA-256, however many jobs refer to them.
CREATE TABLE blobs (
	hash TEXT PRIMARY KEY,
	data BLOB NOT NULL
) STRICT;

CREATE TABLE job_photos (
	job_id  TEXT NOT NULL REFERENCES jobs(job_id) ON DELETE CASCADE,
	hash    TEXT NOT NULL REFERENCES blobs(hash),
	caption TEXT NOT NULL DEFAULT '',
	at      INTEGER NOT NULL,
	PRIMARY KEY (job_id, hash)
) STRICT;

CREATE TABLE job_serials (
	job_id  TEXT NOT NULL REFERENCES jobs(job_id) ON DELETE CASCADE,
	slot    TEXT NOT NULL, -- "ESME", "CHF", "import-mpan", ...
	kind    TEXT NOT NULL, -- SerialKind
	value   TEXT NOT NULL, -- normalised
	raw     TEXT NOT NULL,
	source  TEXT NOT NULL, -- "typed" or "scanned"
	warning TEXT NOT NULL DEFAULT '',
	at      INTEGER NOT NULL,
	PRIMARY KEY (job_id, slot)
) STRICT;
