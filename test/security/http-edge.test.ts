import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_HEADERS, rawRequest } from '../support/http.js';
import { memoryOf } from '../support/processes.js';
import { buildPipeline, startHttpServer, type RunningServer } from '../support/servers.js';

/**
 * The HTTP edge under attack: requests that never end, uploads that stall, browsers from
 * allowed and other origins. The server (test/security/pipelines/hostile.yaml) gives a client
 * 2 s to send a request and receives 4 bodies at once.
 */
let server: RunningServer;
let port: number;
beforeAll(async () => {
  server = await startHttpServer(buildPipeline('test/security/pipelines/hostile.yaml', 'hostile'));
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server?.stop();
});

const pick = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'pick', arguments: { a: `call ${id}` } } });
const cancel = (id: number) => ({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'changed my mind' } });

/** Opens a raw connection and sends the head of a POST whose body never fully arrives. */
function stalledUpload(declaredBytes: number, sentBytes: number): Promise<{ socket: Socket; closed: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${declaredBytes}\r\n\r\n`,
      );
      socket.write('x'.repeat(sentBytes));
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString()));
      const closed = new Promise<string>((done) => socket.once('close', () => done(answer)));
      resolve({ socket, closed });
    });
    socket.once('error', reject);
  });
}

describe('the HTTP edge under attack', () => {
  it('answers a batch whose request cancels itself, and still answers the rest of a batch', async () => {
    // Was: no response and no close, until the client gave up.
    const alone = await rawRequest(server.url, { headers: LEGACY_HEADERS, body: JSON.stringify([pick(7), cancel(7)]) });
    expect(alone.status).toBe(202);
    expect(alone.body).toBe('');
    const mixed = await rawRequest(server.url, { headers: LEGACY_HEADERS, body: JSON.stringify([pick(7), cancel(7), pick(8)]) });
    expect(mixed.status).toBe(200);
    expect(mixed.body).toContain('"id":8');
    expect(mixed.body).not.toContain('"id":7');
  });

  it('closes uploads that stall, refuses bodies beyond the in-flight limit, and gives the memory back', async () => {
    const pid = server.process.pid;
    const before = memoryOf(pid)!.rssMiB;
    // Four uploads of nearly 4 MiB each that stop half way: the server holds them until its request timeout.
    const uploads = await Promise.all(Array.from({ length: 4 }, () => stalledUpload(4 * 1024 * 1024 - 1024, 2 * 1024 * 1024)));
    await new Promise((r) => setTimeout(r, 300));
    // A fifth body while four are being received is refused at once.
    const fifth = await rawRequest(server.url, { headers: LEGACY_HEADERS, body: JSON.stringify(pick(1)) });
    expect(fifth.status).toBe(503);
    expect(fifth.headers['retry-after']).toBe('1');
    // The request timeout (2 s) closes each stalled upload, with 408 where the client still listens.
    const answers = await Promise.race([
      Promise.all(uploads.map((u) => u.closed)),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('stalled uploads were not closed within 10 s')), 10_000)),
    ]);
    for (const answer of answers) expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
    // The slots are free again, the memory is back near where it was, and the server serves.
    const after = await rawRequest(server.url, { headers: LEGACY_HEADERS, body: JSON.stringify(pick(2)) });
    expect(after.status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(memoryOf(pid)!.rssMiB).toBeLessThan(before + 40);
  });

  it('logs a client that aborts its upload as what it is, not as a server error', async () => {
    const { socket, closed } = await stalledUpload(100_000, 10_000);
    await new Promise((r) => setTimeout(r, 200));
    socket.destroy();
    await closed;
    await new Promise((r) => setTimeout(r, 300));
    const lines = server
      .log()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: string; msg: string });
    expect(lines.some((line) => line.msg === 'request body not received')).toBe(true);
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('answers a browser preflight from an allowed origin, and refuses other origins', async () => {
    const allowed = await rawRequest(server.url, {
      method: 'OPTIONS',
      headers: {
        host: `127.0.0.1:${port}`,
        origin: 'http://localhost:6274',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, mcp-protocol-version',
      },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('http://localhost:6274');
    expect(String(allowed.headers['access-control-allow-headers'])).toContain('mcp-protocol-version');
    const post = await rawRequest(server.url, { headers: { ...LEGACY_HEADERS, origin: 'http://localhost:6274' }, body: JSON.stringify(pick(3)) });
    expect(post.status).toBe(200);
    expect(post.headers['access-control-allow-origin']).toBe('http://localhost:6274');
    const other = await rawRequest(server.url, {
      method: 'OPTIONS',
      headers: { host: `127.0.0.1:${port}`, origin: 'http://evil.example.com', 'access-control-request-method': 'POST' },
    });
    expect(other.status).toBe(403);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
