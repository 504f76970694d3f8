// TEST DOUBLE, NEVER SHIPPED: runs the ClickHouse HTTP front (clickhouse-front.ts) as a process of
// its own, so a test can kill it mid-query and start it again on the same port and data.
//
//   node clickhouse-front-main.js --data DIR [--port N] [--user U] [--password P] [--seed FILE]...
//
// Prints one JSON line `{"msg":"listening","url":...,"version":...}` on stdout once it serves.
// The seed files run once, in order, when the data directory has no tables in `default` (several statements
// in one text, as chDB runs them).

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createClickHouseFront } from './clickhouse-front.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    port: { type: 'string', default: '0' },
    user: { type: 'string', default: 'default' },
    password: { type: 'string', default: '' },
    seed: { type: 'string', multiple: true },
  },
});
if (values.data === undefined) throw new Error('clickhouse-front: --data DIR is required');

const front = await createClickHouseFront({
  dataDir: values.data,
  user: values.user,
  password: values.password,
  ...(values.seed ? { seed: values.seed.map((file) => readFileSync(file, 'utf8')).join('\n') } : {}),
});
front.server.listen(Number(values.port), '127.0.0.1', () => {
  const address = front.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : Number(values.port);
  process.stdout.write(`${JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}`, version: front.version })}\n`);
});
const stop = () => void front.close().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
