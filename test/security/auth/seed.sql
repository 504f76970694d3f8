CREATE TABLE secrets (id UInt32, note String) ENGINE = MergeTree ORDER BY id;
INSERT INTO secrets VALUES (1, 'launch codes');
CREATE TABLE internal (id UInt32, note String) ENGINE = MergeTree ORDER BY id;
INSERT INTO internal VALUES (1, 'staff only');
CREATE TABLE public_facts (id UInt32, note String) ENGINE = MergeTree ORDER BY id;
INSERT INTO public_facts VALUES (1, 'the sky is blue');
