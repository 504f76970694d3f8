-- The telemetry test reads no table of its own; the catalog still resolves its SQL.
CREATE TABLE placeholder (x UInt8) ENGINE = Memory;
