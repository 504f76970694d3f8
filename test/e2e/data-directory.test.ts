import { describe, expect, it } from 'vitest';
import { outsideDir } from '../support/paths.js';
import { buildSeededServer } from '../support/seeded.js';
import { runToExit, startHttpServer } from '../support/servers.js';

describe('an embedded data directory held by another process', () => {
  it('refuses a second server on it, naming the process that holds it and what to do', async () => {
    const { serverJs } = buildSeededServer('held', 'CREATE TABLE events (id UInt64) ENGINE = MergeTree ORDER BY id;\n');
    const first = await startHttpServer(serverJs);
    try {
      const second = await runToExit(serverJs, { cwd: outsideDir('held') });
      expect(second.code).toBe(1);
      const refusal = second.stderr.split('\n').find((line) => line.includes('cannot start'));
      expect(refusal).toContain(`another process holds it (pid ${first.process.pid}: `);
      expect(refusal).toContain(`${serverJs} --transport http --port 0)`);
      expect(refusal).toContain('stop that process (for `mcpc dev`, Ctrl-C in its terminal) and start again');
      expect(refusal).not.toContain('Failed to create connection');
    } finally {
      await first.stop();
    }
  });
});
