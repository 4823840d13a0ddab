-- 0004: the DUIS alert that reports a device SR's outcome (N24 for 8.11).
ALTER TABLE requests ADD COLUMN outcome_alert BLOB;
