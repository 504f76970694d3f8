import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { buildWithMcpc, scratch, startMcpc, type Target } from './processes.js';
import type { Context, Row, SuiteResult } from './suites.js';
import { median, round, type Measurement } from './stats.js';

/**
 * B7: what each runtime feature costs one call, alone. Each feature is measured as the same call
 * with the feature off, in the same run, alternating: auth on one server (the same tool called
 * anonymously and with a JWT it must verify), the other features as a server built from the same
 * pipeline with only that feature's section added.
 */

const ISSUER = 'https://issuer.bench.example';
const AUDIENCE = 'mcpc-bench';

/** The tool every variant serves (each variant's embedded data apart: one process per data directory): one row by id from a small table, so the feature's cost is not lost in the data's. */
const basePipeline = (name: string) => `# B7: the same point query on every variant; each variant adds one feature.
mcpc: 1
server: { name: b7, version: 1.0.0 }
sources:
  db:
    kind: clickhouse
    embedded: .mcpc/b7-${name}
    seed: b7-seed.sql
resources:
  events: { source: db, table: b7_events, access: anonymous }
tools:
  point_query:
    kind: query
    description: One event by id
    reads: [events]
    params: { id: { type: integer, minimum: 0 } }
    sql: SELECT id, kind, amount FROM b7_events WHERE id = {id:UInt64}
`;

const SEED = `CREATE TABLE IF NOT EXISTS b7_events (id UInt64, kind UInt16, amount Float64) ENGINE = MergeTree ORDER BY id;
INSERT INTO b7_events SELECT number, number % 100, number / 10 FROM numbers(10000);
`;

const ARGS = { randomId: 10_000 } as const;

/** What a variant's YAML may need: the public key JWTs are signed for, the URL of the OTLP receiver. */
interface Setup {
  publicKeyPem: string;
  otlpUrl: string;
}

/** A feature of B7: the YAML it adds to the base pipeline, and its target (ms of p50 added). */
interface Variant {
  name: string;
  /** The row's words: what runs, against the server without the feature. */
  measure: string;
  yaml: (setup: Setup) => string;
  /** Absent: a reported row, with no target. */
  limitMs?: number;
}

/** JWT verification: its cost is measured on the auth server, anonymous call against verified call. */
const AUTH: Variant = {
  name: 'auth',
  measure: 'a call with a JWT to verify (ES256), vs the same call anonymous on the same server',
  yaml: ({ publicKeyPem: pem }) => `auth:
  anonymous: true
  jwt:
    issuer: ${ISSUER}
    audience: ${AUDIENCE}
    algorithms: [ES256]
    public_key: |
${pem
  .trim()
  .split('\n')
  .map((line) => `      ${line}`)
  .join('\n')}
`,
  // Issue 12's target for a verified JWT; the design's 0.2 ms is for the features below.
  limitMs: 0.3,
};

/**
 * A budget that never runs out (a billion calls a second), so every call takes a token from its
 * caller's bucket in memory and none is refused: the cost of the budget stage alone.
 */
const BUDGET: Variant = {
  name: 'budget',
  measure: "a budget that never runs out (a token from the caller's bucket in memory)",
  yaml: () => `budgets:
  analytical: { rate: 1000000000, per: second }
  default: analytical
`,
  limitMs: 0.2,
};

/** The audit: a record per call to a JSON lines file (arguments hashed), written in batches off the call's path. */
const AUDIT: Variant = {
  name: 'audit',
  measure: 'a record per call to a JSON lines file',
  yaml: () => `audit:
  sink: { kind: file, path: .mcpc/b7-audit.jsonl }
`,
  limitMs: 0.2,
};

/** Features measured against the base server: each adds its section to the same pipeline. */
const FEATURES: Variant[] = [
  {
    // No feature at all: how far two servers built alike (each its own process and engine) differ,
    // the resolution of the rows below, which compare two servers.
    name: 'twin',
    measure: 'the same pipeline, no feature added (two servers built alike)',
    yaml: () => '',
  },
  BUDGET,
  AUDIT,
  {
    // Spans of the call and its query batched and exported over OTLP/HTTP to a receiver in this process, metrics recorded.
    name: 'tracing',
    measure: 'tracing on (OTLP/HTTP to a local receiver)',
    yaml: ({ otlpUrl }) => `telemetry:\n  otlp_endpoint: ${otlpUrl}\n`,
    limitMs: 0.2,
  },
  {
    // The section with an empty endpoint: the SDK is neither loaded nor started.
    name: 'tracing off',
    measure: 'a telemetry section whose endpoint is empty',
    yaml: () => `telemetry:\n  otlp_endpoint: ""\n`,
    limitMs: 0.2,
  },
];

function buildVariant(name: string, extraYaml: string): string {
  const dir = join(scratch, `b7-${name}`);
  const pipeline = join(scratch, `b7-${name}.yaml`);
  writeFileSync(join(scratch, 'b7-seed.sql'), SEED);
  writeFileSync(pipeline, `${basePipeline(name)}${extraYaml}`);
  return buildWithMcpc(pipeline, dir).serverJs('b7');
}

function p50(runs: Measurement[]): number {
  return round(median(runs.map((m) => m.p50)));
}

export async function b7(ctx: Context): Promise<SuiteResult> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const pem = await exportSPKI(publicKey);
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ sub: 'bench', scope: 'bench' })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 4 * 3600)
    .sign(privateKey);

  const servers: Target[] = [];
  const receiver = await startOtlpSink();
  const setup: Setup = { publicKeyPem: pem, otlpUrl: receiver.url };
  try {
    const base = await startMcpc('b7-base', buildVariant('base', ''));
    servers.push(base);
    const auth = await startMcpc('b7-auth', buildVariant('auth', AUTH.yaml(setup)));
    servers.push(auth);
    const featured: Array<{ variant: Variant; server: Target }> = [];
    for (const variant of FEATURES) {
      const slug = variant.name.replace(/\W+/g, '-');
      const server = await startMcpc(`b7-${slug}`, buildVariant(slug, variant.yaml(setup)));
      servers.push(server);
      featured.push({ variant, server });
    }

    const call = (target: Target, headers?: Record<string, string>) => () =>
      ctx.worker.run({
        op: 'mcp',
        url: target.url,
        era: ctx.era,
        method: 'tools/call',
        tool: 'point_query',
        args: ARGS,
        concurrency: 1,
        durationMs: ctx.timing.roundMs,
        ...(headers ? { headers } : {}),
      });
    const jobs = [
      { name: 'base', measure: call(base) },
      { name: 'auth anonymous', measure: call(auth) },
      { name: 'auth jwt', measure: call(auth, { authorization: `Bearer ${token}` }) },
      ...featured.map(({ variant, server }) => ({ name: variant.name, measure: call(server) })),
    ];
    const runs: Record<string, Measurement[]> = Object.fromEntries(jobs.map((j) => [j.name, []]));
    for (const job of jobs) await job.measure();
    for (let r = 0; r < ctx.timing.rounds; r++) {
      for (const job of jobs) {
        const measurement = await job.measure();
        if (measurement.errors > 0) throw new Error(`B7 ${job.name}: ${measurement.errors} errors, first: ${measurement.firstError}`);
        runs[job.name]!.push(measurement);
      }
    }

    const basP50 = p50(runs.base!);
    const anonP50 = p50(runs['auth anonymous']!);
    const jwtP50 = p50(runs['auth jwt']!);
    const rows: Row[] = [
      row(`auth: ${AUTH.measure}`, jwtP50, `anonymous ${anonP50.toFixed(2)} ms`, jwtP50 - anonP50, AUTH.limitMs),
      ...featured.map(({ variant }) => {
        const withIt = p50(runs[variant.name]!);
        return row(`${variant.name}: ${variant.measure}, vs the server without it`, withIt, `off ${basP50.toFixed(2)} ms`, withIt - basP50, variant.limitMs);
      }),
    ];
    return { rows, details: { base: basP50, authAnonymous: anonP50, authJwt: jwtP50, otlpRequests: receiver.requests(), runs } };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await receiver.close();
  }
}

/** An OTLP/HTTP receiver that takes what the tracing variant exports and drops it, counting requests. */
async function startOtlpSink(): Promise<{ url: string; requests(): number; close(): Promise<void> }> {
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests: () => requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function row(measure: string, mcpcMs: number, baseline: string, addedMs: number, limitMs: number | undefined): Row {
  return {
    id: 'B7',
    measure: `p50 added, c=1 — ${measure}`,
    mcpc: `${mcpcMs.toFixed(2)} ms`,
    baseline,
    ratio: `${addedMs >= 0 ? '+' : ''}${addedMs.toFixed(2)} ms`,
    target: limitMs === undefined ? 'reported' : `≤ +${limitMs} ms`,
    met: limitMs === undefined || addedMs <= limitMs,
  };
}
