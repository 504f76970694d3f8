-- A small table for the traced stream and insert tools.
CREATE TABLE marks (x UInt32) ENGINE = MergeTree ORDER BY x SETTINGS non_replicated_deduplication_window = 100;
INSERT INTO marks VALUES (1), (2), (3);
