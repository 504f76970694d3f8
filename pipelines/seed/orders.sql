-- Seed data for the example pipeline: 5,000 orders over the first half of 2024, generated
-- deterministically so tests and demos see the same rows on every machine.
CREATE TABLE orders
(
    order_id UInt64,
    customer String,
    region LowCardinality(String),
    amount Decimal(12, 2),
    created DateTime('UTC')
)
ENGINE = MergeTree
ORDER BY (created, order_id);

INSERT INTO orders
SELECT
    number + 1 AS order_id,
    concat(['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark', 'Wayne', 'Wonka', 'Tyrell', 'Cyberdyne', 'Soylent', 'Vandelay'][number % 12 + 1],
           ' ', ['Corp', 'Labs', 'Foods', 'Logistics', 'Retail', 'Energy', 'Media'][intDiv(number, 12) % 7 + 1]) AS customer,
    ['north', 'south', 'east', 'west'][(number * 7) % 4 + 1] AS region,
    toDecimal64(5 + ((number * 7919) % 49500) / 100, 2) AS amount,
    toDateTime('2024-01-01 00:00:00', 'UTC') + number * 3121 AS created
FROM numbers(5000);

CREATE VIEW orders_anon AS
SELECT order_id, cityHash64(customer) AS customer_id, region, amount, created
FROM orders;

-- Totals the order_analytics pipeline publishes. Inserts carry a deduplication token (from their
-- idempotency key), which a MergeTree table keeps only with a deduplication window.
CREATE TABLE analytics_summaries
(
    period Date,
    orders UInt64,
    total Decimal(38, 2),
    published_at DateTime('UTC') DEFAULT now()
)
ENGINE = MergeTree
ORDER BY period
SETTINGS non_replicated_deduplication_window = 1000;

-- What happened to each order, one event per row: 1,000,000 rows, enough to show a stream
-- (the order_events tool) moving page by page or in live batches.
CREATE TABLE order_events
(
    event_id UInt64,
    order_id UInt64,
    kind Enum8('created' = 1, 'paid' = 2, 'shipped' = 3, 'delivered' = 4, 'returned' = 5),
    at DateTime('UTC')
)
ENGINE = MergeTree
ORDER BY (at, event_id);

INSERT INTO order_events
SELECT
    number + 1 AS event_id,
    intDiv(number, 200) + 1 AS order_id,
    CAST(number % 5 + 1, 'Enum8(\'created\' = 1, \'paid\' = 2, \'shipped\' = 3, \'delivered\' = 4, \'returned\' = 5)') AS kind,
    toDateTime('2024-01-01 00:00:00', 'UTC') + intDiv(number * 3121, 200) + number % 200 AS at
FROM numbers(1000000);
