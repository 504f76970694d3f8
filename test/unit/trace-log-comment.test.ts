import { Session } from 'chdb';
import { describe, expect, it } from 'vitest';
import { callerSettings, logComment, markedSql, pinnedReadSettings, setStatements } from '../../runtime/sources/source.js';

const LIMITS = { maxRows: 100, maxBytes: 4096, maxExecutionTimeS: 3, maxMemoryBytes: 1 << 28 };
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const request = (sql: string, traceparent?: string) => ({ sql, params: {}, queryId: 'q-1', caller: "o'brien", ...(traceparent ? { traceparent } : {}) });

/**
 * How a traced query carries its trace to ClickHouse, SQLCommenter-style: in `log_comment`
 * after the caller (a header setting on a ClickHouse server; a SETTINGS clause of the query on
 * the embedded engine), so the engine's records of the query join the trace.
 */
describe("a query's trace in its log_comment", () => {
  it('follows the caller as traceparent=..., and is absent from an untraced query', () => {
    expect(logComment('alice', TRACEPARENT)).toBe(`alice traceparent='${TRACEPARENT}'`);
    expect(logComment('alice', undefined)).toBe('alice');
    expect(callerSettings('alice', true, TRACEPARENT)).toEqual({ quota_key: 'alice', log_comment: `alice traceparent='${TRACEPARENT}'` });
    // A server too old for log_comment gets none, traced or not.
    expect(callerSettings('alice', false, TRACEPARENT)).toEqual({ quota_key: 'alice' });
  });

  it('is never written unless it is a well-formed traceparent (the text goes beside SQL)', () => {
    for (const bad of ["00-x' OR 1 -- ", `${TRACEPARENT} `, TRACEPARENT.toUpperCase(), '00-4bf9-00f0-01']) {
      expect(logComment('alice', bad)).toBe('alice');
      expect(markedSql(request('SELECT 1', bad)).text).toBe('/* mcpc:q-1 */ SELECT 1');
    }
  });

  it('leaves an untraced embedded read as it was: its mark, then its SQL', () => {
    expect(markedSql(request('SELECT 1'))).toEqual({ mark: '/* mcpc:q-1 */', text: '/* mcpc:q-1 */ SELECT 1' });
  });

  it('rides a traced embedded read in a SETTINGS clause of that query only, past a trailing comment, under readonly=2', async () => {
    const { mark, text } = markedSql(request("SELECT Settings['log_comment'] AS c FROM system.processes WHERE query_id = queryID() -- the end", TRACEPARENT));
    expect(text.startsWith(`${mark} `)).toBe(true);
    const session = new Session();
    try {
      for (const statement of setStatements(pinnedReadSettings(LIMITS))) await session.queryAsync(statement);
      const read = async (sql: string) => (await session.queryAsync(sql, { format: 'TSVRaw' })).text().trim();
      // The caller's quote is escaped; the engine sees the caller and the trace.
      expect(await read(text)).toBe(`o'brien traceparent='${TRACEPARENT}'`);
      // The clause did not outlive its query on the connection.
      expect(await read("SELECT getSetting('log_comment')")).toBe('');
    } finally {
      session.close();
    }
  });

  it('goes in a comment after the mark where settings are locked (SQL written by agents)', () => {
    expect(markedSql(request('SELECT 1', TRACEPARENT), true).text).toBe(`/* mcpc:q-1 */ /* traceparent='${TRACEPARENT}' */ SELECT 1`);
  });
});
