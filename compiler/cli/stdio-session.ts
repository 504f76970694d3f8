import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** The protocol version `mcpc test` speaks: any the server supports would do. */
const PROTOCOL_VERSION = '2025-06-18';

/**
 * A generated server started over stdio, as an MCP host starts it, spoken to with plain JSON-RPC
 * lines: the CLI needs only initialize and tools/call, and no client library at run time. The
 * server opens its sources itself, from the environment it inherits, exactly as when it serves.
 */
export class StdioSession {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, (message: Record<string, unknown>) => void>();
  private nextId = 1;
  private stderr = '';
  private readonly exited: Promise<number | null>;

  constructor(serverJs: string) {
    this.child = spawn(process.execPath, [serverJs, '--transport', 'stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      // The last part of its log, to show if it cannot start.
      this.stderr = (this.stderr + chunk.toString()).slice(-8192);
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      const answer = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
      if (answer) {
        this.pending.delete(message.id as number);
        answer(message);
      }
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    void this.exited.then(() => {
      for (const answer of this.pending.values()) answer({ error: { message: `the server exited:\n${this.stderr.trim()}` } });
      this.pending.clear();
    });
  }

  /** Initializes the session; rejects with the server's log when it cannot start. */
  async open(): Promise<void> {
    const answer = await this.request('initialize', { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'mcpc test', version: '1' } });
    if (answer.error) throw new Error(describeError(answer.error));
    this.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  }

  /** One JSON-RPC request; the answer, or `{ error }`. */
  request(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.send({ jsonrpc: '2.0', id, method, params });
    });
  }

  /** Ends the session: closes the server's input (it shuts down) and waits, killing it if it lingers. */
  async close(): Promise<void> {
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGTERM'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  private send(message: Record<string, unknown>): void {
    if (this.child.stdin!.writable) this.child.stdin!.write(`${JSON.stringify(message)}\n`);
  }
}

export function describeError(error: unknown): string {
  return typeof error === 'object' && error !== null && 'message' in error ? String((error as { message: unknown }).message) : JSON.stringify(error);
}
