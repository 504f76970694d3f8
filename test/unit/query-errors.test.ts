import { parseError } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import type { LimitsSpec } from '../../runtime/contract/spec.js';
import { classifyQueryError } from '../../runtime/tools/query-errors.js';

const limits: LimitsSpec = { maxRows: 10, maxBytes: 1000, maxExecutionTimeS: 2, maxMemoryBytes: 1 << 30 };
const live = new AbortController().signal;

describe('tool errors from a ClickHouse server', () => {
  it('says what the server said, without the numeric code the client keeps beside the message', () => {
    // As @clickhouse/client builds it from a server's answer: code '395' beside the message.
    const error = parseError(
      "Code: 395. DB::Exception: thirteen is refused: while executing 'FUNCTION throwIf(...)'. (FUNCTION_THROW_IF_VALUE_IS_NON_ZERO) (version 26.7.2.1)",
    );
    expect((error as { code?: string }).code).toBe('395');
    const failure = classifyQueryError(error, live, limits);
    expect(failure.code).toBe('QUERY.FAILED');
    expect(failure.message).toBe('the query failed: thirteen is refused');
  });

  it('still reads a network failure by its Node code', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(classifyQueryError(error, live, limits).code).toBe('SOURCE.UNAVAILABLE');
  });
});
