import { createHash } from 'node:crypto';
import type { ServerIR } from '../analyze/ir.js';

/** The versioned description of what a built server serves, for review and `mcpc diff`. */
export interface Manifest {
  manifest_version: 1;
  generator: string;
  source_file: string;
  server: { name: string; version: string; description?: string };
  sources: Array<{ name: string; limits: { max_rows: number; max_bytes: number; max_execution_time_s: number; max_memory_bytes: number } }>;
  resources: Array<{
    name: string;
    uri: string;
    source: string;
    database?: string;
    table: string;
    description?: string;
    access: string;
    /** The table's columns from the build-time catalog, where the source has one. */
    columns?: Array<{ name: string; type: string; comment: string }>;
  }>;
  tools: Array<{
    name: string;
    kind: string;
    title?: string;
    description: string;
    source: string;
    reads: string[];
    /** Who may see and call it, derived from what it reads. */
    access: string;
    input_schema: Record<string, unknown>;
    output_schema: Record<string, unknown>;
    /** The result columns from the build-time catalog, where the source has one. */
    columns?: Array<{ name: string; type: string }>;
    sql: string;
  }>;
  pipelines: Array<{
    name: string;
    description: string;
    reads: string[];
    access: string;
    input_schema: Record<string, unknown>;
    output_schema: Record<string, unknown>;
    steps: Array<{ id: string; calls: string; after: string[] }>;
  }>;
  /** sha256 of this manifest without this field: the identity of the server's behaviour. */
  content_hash: string;
}

export function buildManifest(ir: ServerIR, generator: string): Manifest {
  const body: Omit<Manifest, 'content_hash'> = {
    manifest_version: 1,
    generator,
    source_file: ir.fileName,
    server: { name: ir.name, version: ir.version, ...(ir.description === undefined ? {} : { description: ir.description }) },
    sources: ir.sources.map((s) => ({
      name: s.name,
      limits: {
        max_rows: s.limits.maxRows,
        max_bytes: s.limits.maxBytes,
        max_execution_time_s: s.limits.maxExecutionTimeS,
        max_memory_bytes: s.limits.maxMemoryBytes,
      },
    })),
    resources: ir.resources.map((r) => ({
      name: r.name,
      uri: r.uri,
      source: r.source,
      ...(r.database === undefined ? {} : { database: r.database }),
      table: r.table,
      ...(r.description === undefined ? {} : { description: r.description }),
      access: r.access,
      ...(r.columns === undefined ? {} : { columns: r.columns.map((c) => ({ ...c })) }),
    })),
    tools: ir.tools.map((t) => ({
      name: t.name,
      kind: t.kind,
      ...(t.title === undefined ? {} : { title: t.title }),
      description: t.description,
      source: t.source,
      reads: t.reads,
      access: t.access,
      input_schema: t.inputSchema,
      output_schema: t.outputSchema,
      ...(t.columns === undefined ? {} : { columns: t.columns }),
      sql: t.sql,
    })),
    pipelines: ir.pipelines.map((p) => ({
      name: p.name,
      description: p.description,
      reads: p.reads,
      access: p.access,
      input_schema: p.inputSchema,
      output_schema: p.outputSchema,
      steps: p.steps.map((s) => ({ id: s.id, calls: s.target.name, after: [...new Set([...s.dependsOn, ...s.after])].sort() })),
    })),
  };
  return { ...body, content_hash: `sha256:${createHash('sha256').update(canonicalJson(body)).digest('hex')}` };
}

/** JSON with keys sorted at every level, so the hash does not depend on construction order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
