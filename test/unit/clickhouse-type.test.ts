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
    expect(rules('Date').constraints.string).toEqual({ format: 'date' });
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
    expect(encodingFor(parseClickHouseType('DateTime'), 'integer')).toBe('value');
    expect(encodingFor(parseClickHouseType('UInt8'), 'integer')).toBe('value');
  });
});
