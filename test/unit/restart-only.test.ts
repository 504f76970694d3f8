import { describe, expect, it } from 'vitest';
import type { ServerSpec } from '../../runtime/contract/spec.js';
import { restartOnlyChanges } from '../../runtime/reload/restart-only.js';

const RUNNING: ServerSpec = {
  name: 'orders',
  version: '1.0.0',
  generator: 'mcpc 0.1.0',
  contentHash: 'sha256:a',
  projectDir: '../..',
  http: { host: '127.0.0.1', port: 8080, allowedOrigins: [], allowedHosts: [] },
  listPageSize: 100,
  sources: { db: { embedded: ['.mcpc/db'], limits: { maxRows: 10, maxBytes: 100, maxExecutionTimeS: 5, maxMemoryBytes: 1000 } } },
  resources: [],
  tools: [],
};

describe('what a new build may change in a running server', () => {
  it('takes a build that changes tools, resources, patterns, version, description and intervals', () => {
    const next: ServerSpec = {
      ...RUNNING,
      version: '1.1.0',
      description: 'now with more',
      contentHash: 'sha256:b',
      driftCheckS: 10,
      discoveryS: 5,
      listPageSize: 10,
      resources: [{ name: 'orders', uri: 'mcpc://orders/orders', source: 'db', table: 'orders', access: 'anonymous' }],
      resourcePatterns: [{ name: 'daily', uri: 'mcpc://orders/daily', source: 'db', tablePattern: 'daily_*', access: 'anonymous' }],
    };
    expect(restartOnlyChanges(RUNNING, next)).toEqual([]);
  });

  it.each<[string, Partial<ServerSpec>]>([
    ['sources', { sources: { db: { ...RUNNING.sources.db!, limits: { ...RUNNING.sources.db!.limits, maxRows: 20 } } } }],
    ['sources', { sources: { ...RUNNING.sources, other: RUNNING.sources.db! } }],
    ['auth', { auth: { anonymous: false, scopesSupported: [] } }],
    ['server.http (host, port, allowed origins and hosts)', { http: { ...RUNNING.http, port: 9090 } }],
    ['server.limits', { limits: { maxConcurrentCalls: 2 } }],
    ['server.cursor_secret', { cursorSecret: [{ secret: 'CURSOR' }] }],
    ['server.name', { name: 'orders2' }],
    ['the mcpc that built it (generator)', { generator: 'mcpc 0.2.0' }],
  ])('refuses a build that changes %s', (part, change) => {
    expect(restartOnlyChanges(RUNNING, { ...RUNNING, ...change })).toEqual([part]);
  });
});
