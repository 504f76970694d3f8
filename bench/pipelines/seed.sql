-- One million events with an id index, the same in every process of a benchmark run.
CREATE TABLE IF NOT EXISTS bench_events
(
    id UInt64,
    kind UInt16,
    amount Float64,
    created DateTime('UTC')
)
ENGINE = MergeTree
ORDER BY id;

-- For B5: the mcpc insert tool writes bench_writes, the direct client bench_writes_direct, its
-- copy (columns, engine and settings). Both tables keep insert tokens, and both writers send one
-- with every batch (a fresh one each time, so no batch is dropped as a replay).
CREATE TABLE IF NOT EXISTS bench_writes
(
    id UInt64,
    kind UInt16,
    amount Float64,
    created DateTime('UTC')
)
ENGINE = MergeTree
ORDER BY id
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS bench_writes_direct AS bench_writes;

-- For B4: two million events (the same schema) that a stream tool reads whole, in the table's
-- own order (by id).
CREATE TABLE IF NOT EXISTS bench_stream AS bench_events;

INSERT INTO bench_events
SELECT number, number % 1000, (number * 7919) % 100000 / 100, toDateTime('2024-01-01 00:00:00', 'UTC') + number
FROM numbers(1000000);

INSERT INTO bench_stream
SELECT number, number % 1000, (number * 7919) % 100000 / 100, toDateTime('2024-01-01 00:00:00', 'UTC') + number
FROM numbers(2000000);
