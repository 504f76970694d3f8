import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPipeline, connectHttp, startHttpServer, type RunningServer } from '../support/servers.js';

let server: RunningServer;
let client: Client;
beforeAll(async () => {
  server = await startHttpServer(buildPipeline('test/e2e/pipelines/arguments.yaml', 'arguments'));
  client = await connectHttp(server.url, 'modern');
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
});

const text = (result: { content?: unknown }) => ((result.content ?? []) as Array<{ text: string }>)[0]?.text ?? '';

describe('arguments', () => {
  it('leaves out an optional enum as NULL, and takes any of its values', async () => {
    const omitted = await client.callTool({ name: 'pick_mode', arguments: {} });
    expect(omitted.structuredContent).toEqual({ rows: [{ mode: null }], row_count: 1, truncated: false });
    const explicitNull = await client.callTool({ name: 'pick_mode', arguments: { mode: null } });
    expect(explicitNull.structuredContent).toMatchObject({ rows: [{ mode: null }] });
    const fast = await client.callTool({ name: 'pick_mode', arguments: { mode: 'fast' } });
    expect(fast.structuredContent).toMatchObject({ rows: [{ mode: 'fast' }] });
    const wrong = await client.callTool({ name: 'pick_mode', arguments: { mode: 'medium' } });
    expect(wrong.isError).toBe(true);
    expect(text(wrong)).toContain(`argument 'mode' must be one of "fast", "slow", null (got "medium")`);
  });

  it('explains each list and text rule in words, not in the validator own terms', async () => {
    const cases: Array<[unknown, string]> = [
      [['ab', 'cd', 'ab'], "argument 'tags' must not repeat items: items 0 and 2 are equal"],
      [[], "argument 'tags' must hold at least 1 item (got 0 items)"],
      [['a', 'b', 'c', 'd'], "argument 'tags' must hold at most 3 items (got 4 items)"],
      [['abcdefg'], "argument 'tags[0]' must be at most 5 characters long (got 7 characters)"],
      [['AB'], 'argument \'tags[0]\' must match the pattern ^[a-z]+$ (got "AB")'],
    ];
    for (const [tags, message] of cases) {
      const result = await client.callTool({ name: 'count_tags', arguments: { tags } });
      expect(result.isError, JSON.stringify(tags)).toBe(true);
      expect(text(result)).toContain(message);
      expect(text(result)).not.toMatch(/must NOT|must match pattern "/);
    }
    const ok = await client.callTool({ name: 'count_tags', arguments: { tags: ['ab', 'cd'] } });
    expect(ok.structuredContent).toMatchObject({ rows: [{ n: '2' }] });
  });
});
