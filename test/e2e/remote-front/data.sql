-- 60,000 events: a stream of them is several MiB of JSON, beyond what the front holds back (1 MiB).
INSERT INTO events
SELECT
    number AS id,
    ['view', 'click', 'buy'][number % 3 + 1] AS kind,
    toDecimal64((number % 1000) / 10, 2) AS amount,
    toDateTime('2024-01-01 00:00:00', 'UTC') + number * 60 AS at,
    if(number % 2 = 0, ['even'], ['odd', 'it''s']) AS tags
FROM numbers(60000);
