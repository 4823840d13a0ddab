-- The GBCS join response code (DOMAIN.md §10.3) of an item that failed to
-- join, in its own column so the run status shows it after a restart
-- without parsing the error text; 0 when the hub gave none.
ALTER TABLE commission_items ADD COLUMN join_code INTEGER NOT NULL DEFAULT 0;
