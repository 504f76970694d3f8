// DBHub's data floor: `SELECT 1` on its own engine (Node's built-in SQLite, in memory), with no
// MCP in between. Run by the Node 22 runtime installed beside DBHub; prints {"p50","p99"} in ms.
import { DatabaseSync } from 'node:sqlite';

const durationMs = Number(process.argv[2] ?? 2000);
const db = new DatabaseSync(':memory:');
const statement = db.prepare('SELECT 1');
const samples = [];
const deadline = performance.now() + durationMs;
while (performance.now() < deadline) {
  const started = performance.now();
  statement.all();
  samples.push(performance.now() - started);
}
samples.sort((a, b) => a - b);
const at = (q) => samples[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)];
process.stdout.write(`${JSON.stringify({ p50: at(0.5), p99: at(0.99), calls: samples.length })}\n`);
