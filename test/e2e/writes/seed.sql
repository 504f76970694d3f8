-- Tables the insert tests write. events keeps deduplication tokens; loose does not.
CREATE TABLE events
(
    id UInt32,
    kind Enum8('click' = 1, 'view' = 2),
    day Date,
    at DateTime('UTC'),
    note Nullable(String),
    origin LowCardinality(String) DEFAULT 'api',
    id_twice UInt64 MATERIALIZED id * 2
)
ENGINE = MergeTree
ORDER BY id
SETTINGS non_replicated_deduplication_window = 1000;
