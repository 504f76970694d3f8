CREATE TABLE notes (id UInt32, text String) ENGINE = MergeTree ORDER BY id;
INSERT INTO notes VALUES (1, 'first'), (2, 'second');
