CREATE TABLE events (id UInt64, kind String, amount Decimal(10, 2), at DateTime('UTC')) ENGINE = MergeTree ORDER BY id;
INSERT INTO events SELECT number + 1, ['click', 'view', 'buy'][number % 3 + 1], toDecimal64(number / 4, 2), toDateTime('2024-01-01 00:00:00', 'UTC') + number * 3600 FROM numbers(200);

CREATE TABLE secrets (id UInt64, password String) ENGINE = MergeTree ORDER BY id;
INSERT INTO secrets VALUES (1, 'hunter2'), (2, 'swordfish');

CREATE TABLE undeclared (id UInt64, note String) ENGINE = MergeTree ORDER BY id;
INSERT INTO undeclared VALUES (1, 'nobody declared me');

-- A declared view is a boundary: the agent may read it, whatever it reads itself.
CREATE VIEW public_view AS SELECT id, kind FROM events WHERE kind = 'buy';

-- A view over the secret table that the tool does not declare.
CREATE VIEW leaky_view AS SELECT id, password FROM secrets;

CREATE DICTIONARY secret_dict (id UInt64, password String)
PRIMARY KEY id
SOURCE(CLICKHOUSE(TABLE 'secrets'))
LIFETIME(0)
LAYOUT(FLAT());
