-- The tables the ClickHouse front serves to the remote-source tests (schema.sql is also the
-- build-time catalog; data.sql fills them on the front).
CREATE TABLE events
(
    id UInt64,
    kind LowCardinality(String),
    amount Decimal(12, 2),
    at DateTime('UTC'),
    tags Array(String)
)
ENGINE = MergeTree
ORDER BY id;

CREATE TABLE written
(
    id UInt32,
    note Nullable(String)
)
ENGINE = MergeTree
ORDER BY id
SETTINGS non_replicated_deduplication_window = 1000;
