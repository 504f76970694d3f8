import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlChecker } from '../../compiler/analyze/sql-checker.js';
import { compileFile } from '../../compiler/cli/compile-file.js';
import { compileServerSource } from '../../compiler/cli/compile-server.js';
import { repoRoot } from '../support/paths.js';

/**
 * Golden fixtures, found automatically: `test/fixtures/valid/<case>/pipeline.yaml` with the
 * expected `server.ts` and `manifest.json` beside it, and `test/fixtures/invalid/<case>/` with
 * `expected-diagnostics.json`. `UPDATE_GOLDEN=1` rewrites the expectations; `count.json` makes
 * a fixture that silently disappears fail the run.
 */
const fixtures = join(repoRoot, 'test', 'fixtures');
const update = process.env.UPDATE_GOLDEN === '1';
/** Builds go to `build/` under the repository, as `mcpc build` run there would put them. */
const outRoot = join(repoRoot, 'build');
const cases = (kind: 'valid' | 'invalid') =>
  readdirSync(join(fixtures, kind))
    .filter((name) => existsSync(join(fixtures, kind, name, 'pipeline.yaml')))
    .sort();
const valid = cases('valid');
const invalid = cases('invalid');

let sql: SqlChecker;
beforeAll(async () => {
  sql = await SqlChecker.open();
});
afterAll(() => sql.close());

/** The file as compileFile shows it: relative to the repository root, where tests run. */
const pipelinePath = (kind: string, name: string) => relative(process.cwd(), join(fixtures, kind, name, 'pipeline.yaml'));

function golden(path: string, actual: string): void {
  if (update || !existsSync(path)) {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, actual);
    if (!update) throw new Error(`wrote missing golden file ${relative(repoRoot, path)}; review it and run again`);
    return;
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('golden fixtures', () => {
  it('finds every fixture that count.json promises', () => {
    const countFile = join(fixtures, 'count.json');
    const found = { valid: valid.length, invalid: invalid.length };
    if (update) writeFileSync(countFile, `${JSON.stringify(found, null, 2)}\n`);
    expect(found).toEqual(JSON.parse(readFileSync(countFile, 'utf8')));
  });

  it('would catch generated code that breaks the runtime contract', () => {
    const broken = `import * as mcpc from "mcpc/runtime";\nexport const spec: mcpc.ServerSpec = { name: "x" };\n`;
    const { errors, js } = compileServerSource(broken);
    expect(js).toBeUndefined();
    expect(errors.join('\n')).toMatch(/server\.ts\(2,14\): error TS2740/);
  });

  describe.each(invalid)('invalid/%s', (name) => {
    it('reports the expected diagnostics, each with a code and a line', async () => {
      const result = await compileFile(pipelinePath('invalid', name), sql, { outRoot });
      expect(result.diagnostics.some((d) => d.severity === 'error')).toBe(true);
      expect(result.output).toBeUndefined();
      for (const d of result.diagnostics) {
        expect(d.line).toBeGreaterThan(0);
        expect(d.col).toBeGreaterThan(0);
      }
      const actual = result.diagnostics.map(({ severity, code, path, line, col, message, hint, related }) => ({
        severity,
        code,
        path,
        line,
        col,
        message,
        ...(hint === undefined ? {} : { hint }),
        ...(related === undefined ? {} : { related: related.map((r) => `${r.line}:${r.col} ${r.message}`) }),
      }));
      golden(join(fixtures, 'invalid', name, 'expected-diagnostics.json'), `${JSON.stringify(actual, null, 2)}\n`);
    });
  });

  describe.each(valid)('valid/%s', (name) => {
    it('compiles without errors to the expected server.ts and manifest.json', async () => {
      const result = await compileFile(pipelinePath('valid', name), sql, { outRoot });
      expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const output = result.output!;
      golden(join(fixtures, 'valid', name, 'expected', 'server.ts'), output.get('server.ts')!);
      golden(join(fixtures, 'valid', name, 'expected', 'manifest.json'), output.get('manifest.json')!);
    });

    it('emits a server.ts that passes the strict type-check, byte-identical on a second compile', async () => {
      const first = await compileFile(pipelinePath('valid', name), sql, { outRoot });
      const second = await compileFile(pipelinePath('valid', name), sql, { outRoot });
      expect([...second.output!]).toEqual([...first.output!]);
      expect(compileServerSource(first.output!.get('server.ts')!).errors).toEqual([]);
    });
  });
});
