-- The DAG tests read no table of their own; the catalog still resolves their SQL.
CREATE TABLE placeholder (x UInt8) ENGINE = Memory;
