-- The tables of the roles test's ClickHouse server (test/e2e/roles.test.ts): the build-time catalog, and
-- the front's tables (filled with test/e2e/remote-front/data.sql).
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
