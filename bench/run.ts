import { cpus, totalmem } from 'node:os';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchRoot } from './paths.js';
import { seedRemote } from './load/direct.js';
import { ensurePeers, sqliteFloor, startDbhub } from './peers.js';
import { startClickHouseFront, type FrontProcess } from '../test/support/clickhouse-front-process.js';
import { memoryOf } from '../test/support/processes.js';
import { buildWithMcpc, LoadWorker, scratch, startMcpc, startProgram, type Target } from './processes.js';
import { b7 } from './b7.js';
import { b1, b10, b1Remote, b2, b2Remote, b2p, b3, b4, b5, b6, b8, type Context, type Row, type SuiteResult, type Timing } from './suites.js';

/**
 * `npm run bench`: each benchmark of ../shared/design/benchmarks.md whose feature exists, each
 * against its baseline measured in the same run, alternating, with medians. Writes
 * bench/results.json and prints the table.
 */
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    era: { type: 'string', default: 'modern' },
    out: { type: 'string' },
  },
});
// Only a full run may replace the committed results the README quotes; a partial one goes aside.
const partial = values.quick || values.only !== undefined;
const resultsPath = values.out ?? join(benchRoot, partial ? join('.tmp', 'results-partial.json') : 'results.json');
const timing: Timing = values.quick ? { roundMs: 400, rounds: 2, soakMs: 3000 } : { roundMs: 2000, rounds: 5, soakMs: 60_000 };
/** Every benchmark, in the order of the table; run.ts runs B4, B5 and B10 after B8 (see below). */
const DEFAULT_SUITES = ['B1', 'B2', 'B2p', 'B3', 'B4', 'B5', 'B6', 'B7', 'B8', 'B10'];
const selected = new Set((values.only ?? DEFAULT_SUITES.join(',')).split(',').map((s) => s.trim()));
const era = values.era === 'legacy' ? 'legacy' : 'modern';

rmSync(scratch, { recursive: true, force: true });
mkdirSync(scratch, { recursive: true });
const started = new Date();
const engine = process.env.CLICKHOUSE_URL ? `ClickHouse server at ${new URL(process.env.CLICKHOUSE_URL).host}` : 'embedded ClickHouse (chDB)';
process.stderr.write(`bench: ${[...selected].join(', ')} on ${engine}, ${era} protocol era, ${timing.rounds} rounds of ${timing.roundMs} ms\n`);

const worker = new LoadWorker();
const servers: Target[] = [];
const suites: Record<string, SuiteResult> = {};
let front: FrontProcess | undefined;
try {
  await seedRemote();
  const build = buildWithMcpc(join(benchRoot, 'pipelines', 'bench.yaml'), join(scratch, 'build'));
  const mcpc = await startMcpc('mcpc', build.serverJs('bench'));
  servers.push(mcpc);
  const bare = await startProgram('bare', process.execPath, [join(benchRoot, '..', 'dist', 'bench', 'baselines', 'bare-server.js')], scratch);
  servers.push(bare);
  const plain = await startProgram('plain', process.execPath, [join(benchRoot, '..', 'dist', 'bench', 'baselines', 'plain-http-server.js')], scratch);
  servers.push(plain);
  const ctx: Context = { worker, timing, era, mcpc, bare, plain };

  const step = async (id: string, run: () => Promise<SuiteResult>) => {
    if (!selected.has(id)) return;
    const t = performance.now();
    process.stderr.write(`bench: ${id}…`);
    suites[id] = await run();
    process.stderr.write(` ${((performance.now() - t) / 1000).toFixed(0)} s\n`);
  };
  // B1 and B2 also run with the source remote: mcpc and the bare SDK server each read the ClickHouse
  // HTTP front (a test double: chDB behind ClickHouse's HTTP interface, its own process, the same seed).
  // Skipped when the whole run is already on a ClickHouse server.
  let remote: Context | undefined;
  if ((selected.has('B1') || selected.has('B2')) && !process.env.CLICKHOUSE_URL) {
    front = await startClickHouseFront({ dataDir: mkdtempSync(join(scratch, 'front-')), seedFiles: [join(benchRoot, 'pipelines', 'seed.sql')] });
    const env = { CLICKHOUSE_URL: front.url, CLICKHOUSE_USER: 'default', CLICKHOUSE_PASSWORD: '' };
    const mcpcRemote = await startMcpc('mcpc-remote', build.serverJs('bench'), env);
    servers.push(mcpcRemote);
    const bareRemote = await startProgram(
      'bare-remote',
      process.execPath,
      [join(benchRoot, '..', 'dist', 'bench', 'baselines', 'bare-server.js')],
      scratch,
      env,
    );
    servers.push(bareRemote);
    remote = { ...ctx, mcpc: mcpcRemote, bare: bareRemote };
  }
  const withRemote = async (local: SuiteResult, variant: ((c: Context) => Promise<SuiteResult>) | undefined): Promise<SuiteResult> => {
    if (!remote || !variant) return local;
    const over = await variant(remote);
    return { rows: [...local.rows, ...over.rows], details: { ...local.details, overClickHouseFront: over.details } };
  };
  await step('B1', async () => withRemote(await b1(ctx), b1Remote));
  await step('B2', async () => withRemote(await b2(ctx), b2Remote));
  await step('B2p', async () => {
    ensurePeers();
    const dbhub = await startDbhub();
    servers.push(dbhub);
    return b2p(ctx, dbhub, async () => sqliteFloor(timing.roundMs));
  });
  await step('B3', () => b3(ctx));
  await step('B6', () => b6(ctx));
  await step('B7', () => b7(ctx));
  await step('B8', () => b8(ctx));
  // Streams and writes come after B8's soak, so its memory baseline never holds a heap grown for
  // millions of streamed rows, nor the writes' merges and keys.
  await step('B4', () => b4(ctx));
  await step('B5', () => b5(ctx));
  await step('B10', () => b10(ctx));

  const memory = Object.fromEntries(servers.map((s) => [s.name, memoryOf(s.process.pid)]));
  const order = (id: string) => (DEFAULT_SUITES.includes(id) ? DEFAULT_SUITES.indexOf(id) : DEFAULT_SUITES.length);
  const ordered = Object.entries(suites).sort(([a], [b]) => order(a) - order(b));
  const rows = ordered.flatMap(([, s]) => s.rows);
  const results = {
    started: started.toISOString(),
    finished: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    engine,
    era,
    timing,
    serverMemory: memory,
    rows,
    suites: Object.fromEntries(ordered.map(([id, s]) => [id, s.details])),
  };
  writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(renderTable(rows));
  process.stdout.write(
    `\nserver memory (MiB, now / peak): ${Object.entries(memory)
      .map(([name, m]) => `${name} ${m?.rssMiB} / ${m?.peakRssMiB}`)
      .join(', ')}\n`,
  );
  process.stdout.write(
    `machine: ${results.machine.cpus} × ${results.machine.cpu}, ${results.machine.memoryGiB} GiB, Node ${process.version}; results in ${resultsPath}\n`,
  );
  process.exitCode = rows.every((r) => r.met) ? 0 : 1;
} finally {
  await worker.close();
  await Promise.all(servers.map((s) => s.stop()));
  await front?.stop();
}

function renderTable(rows: Row[]): string {
  const header = ['id', 'measure', 'mcpc', 'baseline (same run)', 'ratio', 'target', 'met'];
  const cells = rows.map((r) => [r.id, r.measure, r.mcpc, r.baseline, r.ratio, r.target, r.met ? 'yes' : 'NO']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  return `${[line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n')}\n`;
}
