import { describe, expect, it } from 'vitest';
import { CursorSigner } from '../../runtime/call/cursors.js';
import { ANONYMOUS } from '../../runtime/contract/access.js';

const TOOL = {
  name: 'events_since',
  sql: 'SELECT id FROM events WHERE id > {from:UInt32} ORDER BY id',
  key: [{ name: 'id', type: 'UInt32', descending: false, encoding: 'value' as const }],
};

describe('stream cursors across builds', () => {
  const signer = new CursorSigner('a secret of this test');
  const cursor = signer.sign(TOOL, { from: 1 }, ANONYMOUS, { after: [5], rows: 5 });

  it('resumes a cursor under the build that issued it, or one whose tool kept its SQL and key', () => {
    expect(signer.verify(cursor, TOOL, { from: 1 }, ANONYMOUS)).toEqual({ after: [5], rows: 5 });
    expect(signer.verify(cursor, { ...TOOL, key: [...TOOL.key] }, { from: 1 }, ANONYMOUS)).toEqual({ after: [5], rows: 5 });
  });

  it('refuses a cursor after a new build changed the SQL or the key it is a position in', () => {
    const newSql = { ...TOOL, sql: `${TOOL.sql} LIMIT 100` };
    const newKey = { ...TOOL, key: [{ name: 'id', type: 'UInt32', descending: true, encoding: 'value' as const }] };
    for (const tool of [newSql, newKey]) {
      expect(() => signer.verify(cursor, tool, { from: 1 }, ANONYMOUS)).toThrow(
        "argument 'cursor' is refused: it was issued before the server took a new build that changed this tool's SQL; call again without a cursor",
      );
    }
  });
});
