import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openDirectClient } from '../load/direct.js';

/**
 * No MCP at all: a plain HTTP server that answers `/noop` at once and `/point?id=N` with the
 * benchmark's point query. It separates what the engine costs inside any server from what the
 * protocol layer costs.
 */
const client = await openDirectClient();
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/noop') {
    res.end('{}');
    return;
  }
  void client
    .query({
      query: 'SELECT id, kind, amount, created FROM bench_events WHERE id = {id:UInt64}',
      query_params: { id: Number(url.searchParams.get('id')) },
      format: 'JSONEachRow',
    })
    .then((result) => result.json())
    .then((rows) => res.end(JSON.stringify(rows)));
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
