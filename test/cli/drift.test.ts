import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onEmbedded } from '../support/embedded.js';
import { mcpcBin, repoRoot, scratchDir } from '../support/paths.js';
import { connectHttp, startHttpServer, type RunningServer } from '../support/servers.js';

function mcpc(...args: string[]) {
  const result = spawnSync(process.execPath, [mcpcBin, ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** test/cli/drift/pipeline.yaml in a directory of its own, its embedded source created from its schema. */
function project(): { file: string; data: string } {
  const dir = scratchDir('drift');
  cpSync(join(repoRoot, 'test/cli/drift'), dir, { recursive: true });
  const data = join(dir, '.mcpc/drift');
  onEmbedded(data, [readFileSync(join(dir, 'schema.sql'), 'utf8'), "INSERT INTO events VALUES (1, 10, 'a')"]);
  return { file: join(dir, 'pipeline.yaml'), data };
}

describe('mcpc drift', () => {
  it('finds none when the live source has the tables and columns of the schema', () => {
    const { file } = project();
    const { code, stdout } = mcpc('drift', file);
    expect(code).toBe(0);
    expect(stdout).toBe('no drift: every source has the tables and columns the pipeline was built against\n');
  });

  it('reports a changed column type and a dropped column, with the tools they break, and exits 1', () => {
    const { file, data } = project();
    onEmbedded(data, ['ALTER TABLE events MODIFY COLUMN n Int64', 'ALTER TABLE events DROP COLUMN label', 'ALTER TABLE events ADD COLUMN extra String']);
    const { code, stdout, stderr } = mcpc('drift', file);
    expect(code).toBe(1);
    // The tool whose SQL no longer resolves: the engine's words, at the tool's SQL.
    expect(stderr).toMatch(/pipeline\.yaml:\d+:\d+: error MCPC_SQL_UNKNOWN_COLUMN: .*label/);
    expect(stdout).toContain("breaking tool 'by_n': output column 'n' changed type Int32 → Int64");
    expect(stdout).toContain("breaking resource 'events': column 'n' changed type Int32 → Int64");
    expect(stdout).toContain("breaking resource 'events': column 'label' removed");
    expect(stdout).toContain("drift    resource 'events': column 'extra' added");
    expect(stdout).not.toContain("tool 'ids'");
    // The refused tool is reported once, by its error, not again by what its result lost.
    expect(stdout).not.toContain("tool 'labels'");
  });

  it('with --write, replaces the schema file with the live DDL, after which the pipeline builds against it', () => {
    const { file, data } = project();
    onEmbedded(data, ['ALTER TABLE events MODIFY COLUMN n Int64']);
    expect(mcpc('drift', file, '--write').code).toBe(1);
    const schema = readFileSync(join(file, '..', 'schema.sql'), 'utf8');
    expect(schema).toMatch(/`?n`? Int64/);
    expect(mcpc('drift', file)).toMatchObject({ code: 0 });
    expect(mcpc('check', file).code).toBe(0);
  });

  it('says when a source cannot be read', () => {
    const dir = scratchDir('drift-empty');
    cpSync(join(repoRoot, 'test/cli/drift'), dir, { recursive: true });
    const { code, stderr } = mcpc('drift', join(dir, 'pipeline.yaml'));
    expect(code).toBe(1);
    expect(stderr).toMatch(/source 'db' cannot be read now: there is no embedded data at /);
  });
});

describe('a running server', () => {
  it('checks drift at start: a tool drift broke answers SCHEMA.DRIFT, health says so, the rest keep serving', async () => {
    const { file, data } = project();
    const out = join(file, '..', 'build');
    expect(mcpc('build', file, '--out', out).code).toBe(0);
    const serverJs = join(out, 'drifting', 'server.js');
    const healthOf = async (server: RunningServer) =>
      (await (await fetch(server.url.replace('/mcp', '/healthz'))).json()) as {
        status: string;
        drift: { checked_at: string | null; tools: Record<string, string> };
      };

    const whole = await startHttpServer(serverJs);
    try {
      const health = await until(
        () => healthOf(whole),
        (h) => h.drift.checked_at !== null,
      );
      expect(health).toMatchObject({ status: 'ok', drift: { tools: {} } });
    } finally {
      await whole.stop();
    }

    onEmbedded(data, ['ALTER TABLE events MODIFY COLUMN n Int64', 'ALTER TABLE events DROP COLUMN label']);
    const drifted = await startHttpServer(serverJs);
    const client = await connectHttp(drifted.url, 'legacy');
    try {
      const health = await until(
        () => healthOf(drifted),
        (h) => h.drift.checked_at !== null,
      );
      expect(health.status).toBe('degraded');
      expect(health.drift.tools.by_n).toBe("column 'n' is Int64, built as Int32");
      expect(health.drift.tools.labels).toMatch(/Unknown expression identifier `label`/);
      expect(health.drift.tools).not.toHaveProperty('ids');
      const broken = await client.callTool({ name: 'by_n', arguments: {} });
      expect(broken._meta?.['mcpc/error_code']).toBe('SCHEMA.DRIFT');
      expect((broken.content as Array<{ text: string }>)[0]!.text).toMatch(
        /^SCHEMA\.DRIFT: the tables behind 'by_n' changed since the server was built \(column 'n' is Int64, built as Int32\)/,
      );
      const fine = await client.callTool({ name: 'ids', arguments: {} });
      expect(fine.structuredContent).toMatchObject({ rows: [{ id: '1' }] });
      expect(drifted.log()).toContain('schema drift breaks a tool');
    } finally {
      await client.close();
      await drifted.stop();
    }
  });
});

/** Polls until `check` holds (fails after ten seconds). */
async function until<T>(probe: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (check(value) || performance.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}
