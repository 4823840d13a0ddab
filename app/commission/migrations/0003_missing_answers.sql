-- The answers a step stopped for (ReasonMissingAnswer), as a JSON array of
-- answer names, so a run read back after a restart asks exactly those,
-- also for custom flows; '[]' otherwise and for rows stored before.
ALTER TABLE commission_items ADD COLUMN missing TEXT NOT NULL DEFAULT '[]';
