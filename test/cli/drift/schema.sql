CREATE TABLE events
(
    id UInt64,
    n Int32,
    label String
)
ENGINE = MergeTree
ORDER BY id;
