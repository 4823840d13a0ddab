-- Workflow runs of the commission engine. Times are unix milliseconds, UTC.
CREATE TABLE commission_runs (
	job_id     TEXT PRIMARY KEY,
	flow       TEXT NOT NULL,
	plan       TEXT NOT NULL,              -- JSON Plan
	facts      TEXT NOT NULL DEFAULT '{}', -- JSON map: what earlier steps found ("wan": "yes")
	status     TEXT NOT NULL,              -- running, failed, done
	updated_at INTEGER NOT NULL
) STRICT;

-- One row per item of a step (the step itself, or one device of it).
CREATE TABLE commission_items (
	job_id     TEXT NOT NULL REFERENCES commission_runs(job_id) ON DELETE CASCADE,
	step_id    TEXT NOT NULL,
	item       TEXT NOT NULL, -- "-" or a device ID
	seq        INTEGER NOT NULL,
	status     TEXT NOT NULL, -- done, skipped, failed
	attempts   INTEGER NOT NULL DEFAULT 0,
	evidence   TEXT NOT NULL DEFAULT '{}',
	reason     TEXT NOT NULL DEFAULT '',
	hint       TEXT NOT NULL DEFAULT '',
	error      TEXT NOT NULL DEFAULT '',
	request_id TEXT NOT NULL DEFAULT '',
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (job_id, step_id, item)
) STRICT;

-- Last DUIS Request ID counter used per originator (DOMAIN.md §12): a
-- counter is stored in the same transaction as the request that uses it and
-- never handed out again.
CREATE TABLE commission_counters (
	originator TEXT PRIMARY KEY,
	last       INTEGER NOT NULL
) STRICT;
