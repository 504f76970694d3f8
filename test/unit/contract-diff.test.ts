import { describe, expect, it } from 'vitest';
import { bumpBetween, covers, diffManifests, requiredBump, type Bump, type ChangeLevel } from '../../compiler/contracts/diff.js';
import type { Manifest } from '../../compiler/emit/manifest.js';

/** A server with one query tool, one pipeline and one resource, to change one thing at a time. */
function base(): Manifest {
  return {
    manifest_version: 1,
    generator: 'mcpc test',
    source_file: 'p.yaml',
    server: { name: 'orders', version: '1.0.0', description: 'Orders' },
    sources: [],
    resources: [
      {
        name: 'orders',
        uri: 'mcpc://orders/orders',
        source: 'warehouse',
        table: 'orders',
        access: 'anonymous',
        columns: [
          { name: 'id', type: 'UInt64', comment: '' },
          { name: 'amount', type: 'Decimal(12, 2)', comment: '' },
        ],
        fingerprint: 'sha256:r',
      },
    ],
    tools: [
      {
        name: 'by_region',
        kind: 'query',
        description: 'Orders per region',
        source: 'warehouse',
        reads: ['orders'],
        access: 'anonymous',
        input_schema: {
          type: 'object',
          properties: {
            region: { type: 'string', enum: ['north', 'south'] },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            from: { type: 'string', format: 'date' },
            score: { type: 'number' },
          },
          required: ['region'],
          additionalProperties: false,
        },
        output_schema: {
          type: 'object',
          properties: {
            rows: { type: 'array', items: { type: 'object', properties: { region: { type: 'string' }, orders: { type: 'string' } } } },
            row_count: { type: 'integer' },
            truncated: { type: 'boolean' },
          },
          required: ['rows', 'row_count', 'truncated'],
          additionalProperties: false,
        },
        columns: [
          { name: 'region', type: 'String' },
          { name: 'orders', type: 'UInt64' },
        ],
        sql: 'SELECT region, count() AS orders FROM orders GROUP BY region',
        fingerprint: 'sha256:t',
      },
    ],
    resource_patterns: [{ name: 'daily', uri: 'mcpc://orders/daily', source: 'warehouse', table_pattern: 'events_*', access: 'anonymous' }],
    pipelines: [
      {
        name: 'report',
        description: 'A report',
        reads: ['orders'],
        access: 'anonymous',
        input_schema: { type: 'object', properties: {}, additionalProperties: false },
        output_schema: { type: 'object', properties: { rows: { type: 'array' } } },
        steps: [{ id: 'a', calls: 'by_region', after: [] }],
        fingerprint: 'sha256:p',
      },
    ],
    content_hash: 'sha256:x',
  };
}

type Tool = Manifest['tools'][number];
const tool = (m: Manifest) => m.tools[0] as Tool & { input_schema: { properties: Record<string, Record<string, unknown>>; required: string[] } };
const param = (m: Manifest, name: string) => tool(m).input_schema.properties[name]!;

/** Each case: a change, the level of the change it must be reported as, and the bump the whole needs. */
const cases: Array<[string, (after: Manifest, before: Manifest) => void, ChangeLevel, Bump]> = [
  ['a tool removed', (m) => m.tools.splice(0, 1), 'breaking', 'major'],
  [
    'a tool renamed',
    (m) => {
      tool(m).name = 'per_region';
    },
    'breaking',
    'major',
  ],
  ['a pipeline removed', (m) => m.pipelines.splice(0, 1), 'breaking', 'major'],
  ['a resource removed', (m) => m.resources.splice(0, 1), 'breaking', 'major'],
  [
    'a resource given a ClickHouse role',
    (m) => {
      m.resources[0]!.role = 'analyst';
    },
    'breaking',
    'major',
  ],
  [
    "a resource's ClickHouse role changed",
    (m, b) => {
      b.resources[0]!.role = 'analyst';
      m.resources[0]!.role = 'auditor';
    },
    'breaking',
    'major',
  ],
  ['a param newly required', (m) => tool(m).input_schema.required.push('limit'), 'breaking', 'major'],
  [
    'a required param added',
    (m) => {
      tool(m).input_schema.properties.to = { type: 'string' };
      tool(m).input_schema.required.push('to');
    },
    'breaking',
    'major',
  ],
  [
    'a param removed from a closed input',
    (m) => {
      delete tool(m).input_schema.properties.from;
    },
    'breaking',
    'major',
  ],
  [
    'a type narrowed (number to integer)',
    (m) => {
      param(m, 'score').type = 'integer';
    },
    'breaking',
    'major',
  ],
  [
    'an enum value removed',
    (m) => {
      param(m, 'region').enum = ['north'];
    },
    'breaking',
    'major',
  ],
  [
    'a maximum lowered',
    (m) => {
      param(m, 'limit').maximum = 100;
    },
    'breaking',
    'major',
  ],
  [
    'a minimum raised',
    (m) => {
      param(m, 'limit').minimum = 10;
    },
    'breaking',
    'major',
  ],
  [
    'a pattern added',
    (m) => {
      param(m, 'from').pattern = '^2024';
    },
    'breaking',
    'major',
  ],
  [
    'an output column removed',
    (m) => {
      (tool(m) as { columns: unknown[] }).columns = [{ name: 'region', type: 'String' }];
    },
    'breaking',
    'major',
  ],
  [
    'an output column type changed (Int32 to Int64)',
    (m) => {
      (tool(m) as { columns: Array<{ type: string }> }).columns[1]!.type = 'Int64';
    },
    'breaking',
    'major',
  ],
  [
    'an output field removed',
    (m) => {
      delete (tool(m).output_schema.properties as Record<string, unknown>).truncated;
    },
    'breaking',
    'major',
  ],
  [
    'tool access tightened',
    (m) => {
      tool(m).access = 'authenticated';
    },
    'breaking',
    'major',
  ],
  [
    'resource access tightened',
    (m) => {
      m.resources[0]!.access = 'authenticated';
    },
    'breaking',
    'major',
  ],
  [
    'a resource column type changed',
    (m) => {
      m.resources[0]!.columns![0]!.type = 'UInt32';
    },
    'breaking',
    'major',
  ],
  [
    'a tool added',
    (m) => m.tools.push({ ...tool(base()), name: 'another', input_schema: { type: 'object', properties: { x: { type: 'string' } } } }),
    'compatible',
    'minor',
  ],
  ['a resource added', (m) => m.resources.push({ ...m.resources[0]!, name: 'more', uri: 'mcpc://orders/more' }), 'compatible', 'minor'],
  [
    'an optional param added',
    (m) => {
      tool(m).input_schema.properties.to = { type: 'string' };
    },
    'compatible',
    'minor',
  ],
  [
    'a param made optional',
    (m) => {
      tool(m).input_schema.required = [];
    },
    'compatible',
    'minor',
  ],
  [
    'a type widened (integer to number)',
    (m) => {
      param(m, 'limit').type = 'number';
    },
    'compatible',
    'minor',
  ],
  [
    'an enum value added',
    (m) => {
      param(m, 'region').enum = ['north', 'south', 'east'];
    },
    'compatible',
    'minor',
  ],
  [
    'a maximum raised',
    (m) => {
      param(m, 'limit').maximum = 5000;
    },
    'compatible',
    'minor',
  ],
  ['an output column added', (m) => (tool(m) as { columns: unknown[] }).columns.push({ name: 'revenue', type: 'Decimal(38, 2)' }), 'compatible', 'minor'],
  [
    'an output field added',
    (m) => {
      (tool(m).output_schema.properties as Record<string, unknown>).next_cursor = { type: ['string', 'null'] };
    },
    'compatible',
    'minor',
  ],
  [
    'tool access loosened',
    (_, before) => {
      tool(before).access = 'authenticated';
    },
    'compatible',
    'minor',
  ],
  [
    'a description changed',
    (m) => {
      tool(m).description = 'Orders per region, newest first';
    },
    'patch',
    'patch',
  ],
  [
    'the SQL changed',
    (m) => {
      (tool(m) as { sql: string }).sql = 'SELECT region, count() AS orders FROM orders WHERE 1 GROUP BY region';
    },
    'patch',
    'patch',
  ],
  [
    'a default changed',
    (m) => {
      param(m, 'limit').default = 50;
    },
    'compatible',
    'minor',
  ],
  ['a table pattern removed', (m) => m.resource_patterns!.splice(0, 1), 'breaking', 'major'],
  [
    'a table pattern changed',
    (m) => {
      m.resource_patterns![0]!.table_pattern = 'events_2026_*';
    },
    'breaking',
    'major',
  ],
  [
    'a table pattern added',
    (m) => {
      m.resource_patterns!.push({ name: 'hourly', uri: 'mcpc://orders/hourly', source: 'warehouse', table_pattern: 'hourly_*', access: 'anonymous' });
    },
    'compatible',
    'minor',
  ],
];

describe('contract changes, classified', () => {
  it.each(cases)('%s', (_, change, level, bump) => {
    const before = base();
    const after = base();
    change(after, before);
    const changes = diffManifests(before, after);
    expect(
      changes.map((c) => c.level),
      JSON.stringify(changes),
    ).toContain(level);
    expect(requiredBump(changes)).toBe(bump);
    for (const c of changes) expect(c.message.length).toBeGreaterThan(3);
  });

  it('names what changed in its messages', () => {
    const after = base();
    (tool(after) as { columns: Array<{ type: string }> }).columns[1]!.type = 'Int64';
    tool(after).input_schema.required.push('limit');
    const messages = diffManifests(base(), after).map((c) => `${c.level} ${c.subject}: ${c.message}`);
    expect(messages).toContain("breaking tool 'by_region': output column 'orders' changed type UInt64 → Int64");
    expect(messages).toContain("breaking tool 'by_region': argument 'limit' is now required");
  });

  it('reports a rename once, not as a removal and an addition', () => {
    const after = base();
    tool(after).name = 'per_region';
    expect(diffManifests(base(), after)).toEqual([
      { level: 'breaking', subject: "tool 'by_region'", message: "renamed to 'per_region'; clients calling 'by_region' fail" },
    ]);
  });

  it('finds nothing between a manifest and itself', () => {
    expect(diffManifests(base(), base())).toEqual([]);
    expect(requiredBump([])).toBe('none');
  });
});

describe('version bumps', () => {
  it.each([
    ['1.0.0', '2.0.0', 'major'],
    ['1.0.0', '1.1.0', 'minor'],
    ['1.2.3', '1.2.4', 'patch'],
    ['1.2.3', '1.2.3', 'none'],
    ['0.3.0', '0.4.0', 'major'],
    ['0.3.0', '0.3.1', 'minor'],
    ['1.0.0-rc.1', '1.0.1', 'patch'],
  ] as const)('%s → %s is a %s bump', (from, to, bump) => {
    expect(bumpBetween(from, to)).toBe(bump);
  });

  it('refuses a version that went down or is not semver', () => {
    expect(bumpBetween('2.0.0', '1.9.9')).toBeUndefined();
    expect(bumpBetween('1.0', '1.1')).toBeUndefined();
  });

  it('says when a bump covers what is needed', () => {
    expect(covers('major', 'minor')).toBe(true);
    expect(covers('patch', 'minor')).toBe(false);
    expect(covers('none', 'none')).toBe(true);
  });
});
