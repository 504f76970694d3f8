-- 200,000 events over 100 days, sorted by (day, id): enough rows for many pages.
CREATE TABLE events
(
    day Date,
    id UInt64,
    at DateTime('UTC'),
    kind LowCardinality(String),
    amount Decimal(12, 2)
)
ENGINE = MergeTree
ORDER BY (day, id);

INSERT INTO events
SELECT
    toDate('2024-01-01') + intDiv(number, 2000) AS day,
    number AS id,
    toDateTime('2024-01-01 00:00:00', 'UTC') + number * 43 AS at,
    ['view', 'click', 'buy'][number % 3 + 1] AS kind,
    toDecimal64((number % 1000) / 10, 2) AS amount
FROM numbers(200000);
