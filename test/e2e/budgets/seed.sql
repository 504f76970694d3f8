-- The table the budget tests write (it keeps deduplication tokens, as an insert tool's table must).
CREATE TABLE events (id UInt32, kind String) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 1000;
