import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANONYMOUS, OPERATOR, type Principal } from '../../runtime/contract/access.js';
import type { ServerSpec } from '../../runtime/contract/spec.js';
import { loadServedManifest, manifestFor, type ServedManifest } from '../../runtime/protocol/manifest-resource.js';

const manifest: ServedManifest = {
  manifest_version: 1,
  content_hash: 'sha256:build',
  sources: [{ name: 'open_db' }, { name: 'secret_db' }],
  resources: [
    { name: 'facts', access: 'anonymous', source: 'open_db' },
    { name: 'payroll', access: 'authenticated', scopes: ['hr:read'], source: 'secret_db' },
  ],
  tools: [
    { name: 'read_facts', access: 'anonymous', source: 'open_db' },
    { name: 'read_payroll', access: 'authenticated', scopes: ['hr:read'], source: 'secret_db' },
  ],
  pipelines: [{ name: 'payroll_report', access: 'authenticated', scopes: ['hr:read'] }],
};
const user = (scopes: string[]): Principal => ({ id: 'u', kind: 'user', scopes });
const names = (view: ServedManifest) => ({
  sources: view.sources.map((s) => s.name),
  resources: view.resources.map((r) => r.name),
  tools: view.tools.map((t) => t.name),
  pipelines: view.pipelines.map((p) => p.name),
});

describe('the manifest a caller reads', () => {
  it('shows an anonymous caller, and a caller without the scope, nothing of what is hidden, sources included', () => {
    const open = { sources: ['open_db'], resources: ['facts'], tools: ['read_facts'], pipelines: [] };
    expect(names(manifestFor(manifest, ANONYMOUS))).toEqual(open);
    expect(names(manifestFor(manifest, user(['other'])))).toEqual(open);
    expect(JSON.stringify(manifestFor(manifest, ANONYMOUS))).not.toMatch(/payroll|secret_db|hr:read/);
  });

  it('shows a caller with the scope, and the operator, everything, and keeps the rest as written', () => {
    expect(manifestFor(manifest, user(['hr:read']))).toEqual(manifest);
    expect(manifestFor(manifest, OPERATOR)).toEqual(manifest);
  });

  it('is not served when manifest.json is missing or is another build', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpc-manifest-'));
    const spec = { contentHash: 'sha256:build' } as ServerSpec;
    expect(loadServedManifest(spec, dir)).toBeUndefined();
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, content_hash: 'sha256:other' }));
    expect(loadServedManifest(spec, dir)).toBeUndefined();
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    expect(loadServedManifest(spec, dir)).toEqual(manifest);
  });
});
