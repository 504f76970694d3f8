/**
 * ClickHouse types as JSON: the format settings every tool query runs under, which fix how the
 * engine writes values into tool results and reads `format(JSONEachRow, ...)` arguments, so the
 * JSON Schemas of both can be derived from column types.
 */

/**
 * The output format settings every tool query runs under, which fix what tool results hold; the
 * sources pin them with their limits (`pinnedReadSettings`). Set explicitly, defaults included,
 * because defaults differ between versions and a server's profile may change them (ClickHouse
 * 25.8 stopped quoting 64-bit integers by default, so chDB 26.7 writes them as numbers).
 */
export const TOOL_OUTPUT_SETTINGS = Object.freeze({
  /** Int64, UInt64 and wider (and Interval*) as strings of digits: exact beyond 2^53. */
  output_format_json_quote_64bit_integers: 1,
  /** Float64 as JSON numbers (a double is what a JSON number is). */
  output_format_json_quote_64bit_floats: 0,
  /** Decimals as strings ("123.45"): exact at any precision, where numbers would be rounded by JSON parsers. */
  output_format_json_quote_decimals: 1,
  /** NaN and infinities as "nan", "-nan", "inf", "-inf": otherwise they are null, which a Nullable float also uses. */
  output_format_json_quote_denormals: 1,
  /** Named tuples as objects keyed by element name (unnamed ones stay arrays). */
  output_format_json_named_tuples_as_objects: 1,
  /** DateTime and DateTime64 as RFC 3339 in UTC ("2024-01-01T00:00:00Z"), whatever the column's time zone. */
  date_time_output_format: 'iso',
} as const);

/** The input format settings of every tool query, for `format(JSONEachRow, ...)` arguments. */
export const TOOL_INPUT_SETTINGS = Object.freeze({
  /** DateTime text as 'YYYY-MM-DD hh:mm:ss' or RFC 3339 with an offset ('basic' refuses the offset). */
  date_time_input_format: 'best_effort',
  /** Named tuples read from JSON objects keyed by element name. */
  input_format_json_named_tuples_as_objects: 1,
} as const);
