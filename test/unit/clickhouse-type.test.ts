import { describe, expect, it } from 'vitest';
import { encodingFor, parseClickHouseType, typeRules, UnsupportedTypeError } from '../../compiler/analyze/clickhouse-type.js';

const rules = (type: string) => typeRules(parseClickHouseType(type));

describe('ClickHouse placeholder types', () => {
  it('parses wrappers and their arguments', () => {
    expect(parseClickHouseType('Map(String, Array(UInt8))')).toEqual({ name: 'Map', args: ['String', 'Array(UInt8)'], text: 'Map(String, Array(UInt8))' });
    expect(parseClickHouseType("DateTime64(3, 'UTC')").args).toEqual(['3', "'UTC'"]);
  });

  it('bounds integers to their type, because ClickHouse wraps values that overflow', () => {
    expect(rules('UInt8').constraints.integer).toEqual({ minimum: 0, maximum: 255 });
    expect(rules('Int32').constraints.integer).toEqual({ minimum: -2147483648, maximum: 2147483647 });
    expect(rules('UInt64').accepts).toEqual(['integer', 'string']);
    expect(rules('UInt64').constraints.string).toEqual({ pattern: '^[0-9]+$' });
  });

  it('requires real calendar dates for Date, which ClickHouse would roll forward', () => {
    expect(rules('Date').constraints.string).toEqual({ format: 'date', formatMinimum: '1970-01-01', formatMaximum: '2149-06-06' });
    expect(rules('Date').formats).toEqual(['date']);
  });

  it('sees through Nullable and LowCardinality', () => {
    expect(rules('Nullable(UInt8)')).toMatchObject({ nullable: true, accepts: ['integer'], sample: null });
    expect(rules('LowCardinality(String)')).toMatchObject({ nullable: false, accepts: ['string', 'array', 'object'] });
  });

  it('takes Enum names as the allowed strings', () => {
    expect(rules("Enum8('daily' = 1, 'weekly' = 2)").constraints.string).toEqual({ enum: ['daily', 'weekly'] });
  });

  it('checks Array items by their element type', () => {
    expect(rules('Array(UInt16)').items?.constraints.integer).toEqual({ minimum: 0, maximum: 65535 });
  });

  it('refuses types it cannot bind from JSON', () => {
    expect(() => rules('AggregateFunction(sum, UInt64)')).toThrow(UnsupportedTypeError);
    expect(() => rules('Tuple(UInt8, String)')).toThrow(/cannot bind a JSON value/);
    expect(() => rules('Nullable(Date')).toThrow(UnsupportedTypeError);
  });

  it('encodes lists for String as JSON and date-time text as epoch seconds', () => {
    expect(encodingFor(parseClickHouseType('String'), 'array')).toBe('json');
    expect(encodingFor(parseClickHouseType('Nullable(DateTime)'), 'string')).toBe('epoch-seconds');
    // Epoch integers too: ClickHouse reads a short one (0 to 9999) as something else unless padded.
    expect(encodingFor(parseClickHouseType('DateTime'), 'integer')).toBe('epoch-seconds');
    expect(encodingFor(parseClickHouseType('UInt8'), 'integer')).toBe('value');
  });
});

describe('epoch seconds for DateTime placeholders', () => {
  it('pads whole seconds to ten digits, keeps milliseconds, and handles instants before 1970', async () => {
    const { toEpochSeconds } = await import('../../runtime/define.js');
    expect(toEpochSeconds(0)).toBe('0000000000');
    expect(toEpochSeconds(7)).toBe('0000000007');
    expect(toEpochSeconds('2024-01-01T00:00:00Z')).toBe('1704067200');
    expect(toEpochSeconds('1970-01-01T00:00:05.250Z')).toBe('0000000005.250');
    expect(toEpochSeconds('1969-12-31T23:59:55.5Z')).toBe('-0000000004.500');
  });
});
