-- 0006 (PostgreSQL): SM WAN coverage by postcode (sync/api WANCoverage,
-- DOMAIN.md §8), pulled by installers for their jobs' postcodes. pc_key is
-- the postcode upper-cased without spaces, the form jobs are matched on.
CREATE TABLE wan_coverage (
    pc_key     TEXT   PRIMARY KEY,
    postcode   TEXT   NOT NULL,
    csp_region TEXT   NOT NULL,
    coverage   TEXT   NOT NULL,
    updated_at BIGINT NOT NULL,
    change_seq BIGINT NOT NULL
);
CREATE INDEX wan_coverage_change ON wan_coverage(change_seq);
