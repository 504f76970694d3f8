-- 10,000,000 rows: more than a server could hold as one result, to prove streams stay in bounded memory.
CREATE TABLE readings
(
    sensor UInt32,
    seq UInt64,
    value Float64,
    label String
)
ENGINE = MergeTree
ORDER BY (sensor, seq);

INSERT INTO readings
SELECT
    intDiv(number, 100000) AS sensor,
    number AS seq,
    (number % 1000) / 10 AS value,
    concat('reading-', toString(number % 97)) AS label
FROM numbers(10000000);
