import { Session } from 'chdb';
import { describe, expect, it } from 'vitest';
import { pinnedWrittenSettings, setStatements } from '../../runtime/sources/source.js';

const LIMITS = { maxRows: 100, maxBytes: 4096, maxExecutionTimeS: 3, maxMemoryBytes: 1 << 28 };

/**
 * The settings SQL written by an agent runs under: every read's limits, then readonly=1, last. A
 * ClickHouse server applies a request's settings in order (the remote source sends them with each
 * request), and on the embedded engine they are SET once on the agent's connection: after
 * readonly=1, nothing can change them.
 */
describe('the settings of SQL written by an agent', () => {
  it('end with readonly=1, after the limits it locks', () => {
    const settings = pinnedWrittenSettings(LIMITS);
    expect(Object.entries(settings).at(-1)).toEqual(['readonly', '1']);
    expect(settings).toMatchObject({ max_result_rows: '101', max_execution_time: 3, max_memory_usage: String(1 << 28) });
    expect(setStatements(settings).at(-1)).toBe('SET readonly = 1');
  });

  it('lock a chDB session: the limits hold, and no SETTINGS clause, SET or format() gets past them', async () => {
    const session = new Session();
    try {
      for (const statement of setStatements(pinnedWrittenSettings(LIMITS))) await session.queryAsync(statement);
      const read = async (sql: string) => (await session.queryAsync(sql, { format: 'TSVRaw' })).text().trim();
      expect(await read("SELECT getSetting('readonly'), getSetting('max_result_rows'), getSetting('max_execution_time')")).toBe('1\t101\t3');
      await expect(session.queryAsync('SELECT 1 SETTINGS max_result_rows = 0')).rejects.toThrow(/readonly/i);
      await expect(session.queryAsync('SET readonly = 2')).rejects.toThrow(/readonly/i);
      await expect(session.queryAsync(`SELECT * FROM format(JSONEachRow, '{"a": 1}')`)).rejects.toThrow(/readonly/i);
      expect(await read('SELECT count() FROM numbers(10)')).toBe('10');
    } finally {
      session.close();
    }
  });
});
