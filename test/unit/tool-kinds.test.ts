import { describe, expect, it } from 'vitest';
import { ANONYMOUS, OPERATOR, mayAccess, requiredAccess } from '../../runtime/contract/access.js';
import { compileArgsValidator, createArgsAjv } from '../../runtime/contract/args.js';
import type { ToolSpec } from '../../runtime/contract/spec.js';
import { insertTool, pipelineTool, queryTool, sqlTool, streamTool } from '../../runtime/define.js';
import { TOOL_KINDS } from '../../runtime/tools/kinds.js';
import { prepareTool } from '../../runtime/tools/served-tool.js';

const ajv = createArgsAjv();
const specOf = (kind: keyof typeof TOOL_KINDS): ToolSpec => {
  switch (kind) {
    case 'query':
      return queryTool({ name: 'q', description: 'd', source: 's', reads: [], access: 'anonymous', inputSchema: { type: 'object' }, sql: 'SELECT 1' });
    case 'stream':
      return streamTool({
        name: 's',
        description: 'd',
        source: 's',
        reads: [],
        access: 'anonymous',
        inputSchema: { type: 'object' },
        columns: [{ name: 'n', type: 'UInt64' }],
        key: [{ name: 'n', type: 'UInt64', descending: false, encoding: 'value' }],
        sql: 'SELECT number AS n FROM numbers(10) ORDER BY n',
        batchSize: 10,
        maxLatencyMs: 100,
        maxRows: 100,
      });
    case 'insert':
      return insertTool({
        name: 'i',
        description: 'd',
        source: 's',
        reads: [],
        writes: ['t'],
        access: 'authenticated',
        inputSchema: { type: 'object' },
        table: { name: 't' },
        columns: [{ name: 'a', type: 'UInt8' }],
        maxRows: 10,
      });
    case 'sql':
      return sqlTool({
        name: 'x',
        description: 'd',
        source: 's',
        reads: ['r'],
        access: 'anonymous',
        inputSchema: { type: 'object' },
        maxSqlLength: 100,
        limits: { maxRows: 10, maxBytes: 1000, maxExecutionTimeS: 1, maxMemoryBytes: 1 << 30 },
        tables: ['default.t'],
        catalog: { database: 'default', ddl: ['CREATE TABLE t (a UInt8) ENGINE = Memory'] },
      });
    case 'pipeline':
      return pipelineTool({
        name: 'p',
        description: 'd',
        reads: [],
        access: 'anonymous',
        inputSchema: { type: 'object' },
        steps: [{ id: 'a', call: 'q', with: {}, after: [], timeoutS: 5 }],
        output: { step: 'a', fields: [] },
        outputSchema: { type: 'object', properties: { rows: { type: 'array' } } },
        maxConcurrentSteps: 4,
      });
  }
};

describe('tool kinds', () => {
  it.each(Object.keys(TOOL_KINDS) as Array<keyof typeof TOOL_KINDS>)(
    'lists a %s tool with the annotations and output schema of its kind, and nothing else',
    (kind) => {
      const spec = specOf(kind);
      const served = prepareTool(spec, compileArgsValidator(ajv, spec.inputSchema));
      expect(served.kind).toBe(TOOL_KINDS[kind]);
      expect(served.listing.annotations).toEqual(TOOL_KINDS[kind].annotations(spec as never));
      expect(served.listing.outputSchema).toEqual(TOOL_KINDS[kind].outputSchema(spec as never));
    },
  );

  it('says a query tool only reads, the same whatever it is called on', () => {
    expect(TOOL_KINDS.query.annotations(specOf('query') as never)).toEqual({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    });
  });
});

describe('sql annotations', () => {
  it('says a sql tool only reads and reaches nothing outside its source, whatever SQL it is sent', () => {
    expect(TOOL_KINDS.sql.annotations(specOf('sql') as never)).toEqual({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    });
  });
});

describe('write annotations', () => {
  it('says an insert tool writes, destroys nothing, and writes once per idempotency key', () => {
    expect(TOOL_KINDS.insert.annotations(specOf('insert') as never)).toEqual({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    });
  });

  it('says a pipeline writes when a tool it reaches does, and reads otherwise', () => {
    const reading = specOf('pipeline');
    const writing = { ...reading, writes: ['t'] };
    expect(TOOL_KINDS.pipeline.annotations(reading as never).readOnlyHint).toBe(true);
    expect(TOOL_KINDS.pipeline.annotations(writing as never).readOnlyHint).toBe(false);
  });
});

describe('the visibility rule', () => {
  it('lets every caller see what is anonymous, and only the operator what is authenticated', () => {
    expect(mayAccess(ANONYMOUS, { access: 'anonymous' })).toBe(true);
    expect(mayAccess(OPERATOR, { access: 'anonymous' })).toBe(true);
    expect(mayAccess(ANONYMOUS, { access: 'authenticated' })).toBe(false);
    expect(mayAccess(OPERATOR, { access: 'authenticated' })).toBe(true);
  });

  it('derives a tool access from the strictest resource it touches', () => {
    expect(requiredAccess([])).toEqual({ access: 'anonymous' });
    expect(requiredAccess([{ access: 'anonymous' }, { access: 'anonymous' }])).toEqual({ access: 'anonymous' });
    expect(requiredAccess([{ access: 'anonymous' }, { access: 'authenticated' }])).toEqual({ access: 'authenticated' });
  });
});
