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

INSERT INTO bench_events
SELECT number, number % 1000, (number * 7919) % 100000 / 100, toDateTime('2024-01-01 00:00:00', 'UTC') + number
FROM numbers(1000000);
