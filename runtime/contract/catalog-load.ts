/**
 * The settings an engine loads a source's DDL under, wherever a catalog is built (the compiler's
 * catalog, the runtime's SQL guard): reads cut to one row, so `CREATE TABLE ... AS SELECT` and
 * `POPULATE` bring no data, yet every statement still runs as the engine reads it.
 */
export const DDL_LOAD_SETTINGS: readonly string[] = ['max_rows_to_read = 1', "read_overflow_mode = 'break'", 'max_execution_time = 10'];
