import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { outsideDir } from '../support/paths.js';
import { watchOutput } from '../support/processes.js';
import { buildPipeline } from '../support/servers.js';

/**
 * The inbound guard holds on stdio too, where the SDK parses each line itself: raw protocol
 * lines, as a hostile local client would write them.
 */
describe('hostile messages over stdio', () => {
  it('refuses a __proto__ argument and arguments nested too deep as PARAMS.INVALID, and keeps serving', async () => {
    const serverJs = buildPipeline('test/security/pipelines/hostile.yaml', 'hostile');
    const launcher = spawn(process.execPath, [serverJs, '--transport', 'stdio'], { cwd: outsideDir('stdio-hostile'), stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout = watchOutput(launcher, 'stdout');
    watchOutput(launcher, 'stderr');
    const exited = once(launcher, 'exit');
    const sendLine = (line: string) => launcher.stdin!.write(`${line}\n`);
    const answer = (id: number) => stdout.waitForLine((entry) => (entry.id === id ? entry : undefined), { timeoutMs: 60_000, what: `the answer to ${id}` });
    const textOf = (entry: Record<string, unknown>) => (entry.result as { content: Array<{ text: string }> }).content[0]!.text;

    sendLine(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      }),
    );
    await answer(1);
    sendLine(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    sendLine('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"pick","arguments":{"a":"x","__proto__":"y"}}}');
    expect(textOf(await answer(2))).toContain("PARAMS.INVALID: unknown argument '__proto__'");
    const depth = 10_000;
    sendLine(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"summarize","arguments":{"data":[${'['.repeat(depth)}${']'.repeat(depth)}]}}}`);
    expect(textOf(await answer(3))).toContain('PARAMS.INVALID: arguments are nested deeper than 16 levels');
    sendLine(JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'pick', arguments: { a: 'fine' } } }));
    expect((await answer(4)).result).toMatchObject({ structuredContent: { rows: [{ a: 'fine', b: '' }] } });
    launcher.stdin!.end();
    expect(await exited).toEqual([0, null]);
  });
});
