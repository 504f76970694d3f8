import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An OTLP attribute as the JSON encoding carries it. */
interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
}

/** A span as the OTLP/HTTP JSON encoding carries it (ids in hex). */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  status: { code?: number; message?: string };
  resource: Record<string, string | number | boolean>;
}

/** A metric data point, flattened: the metric's name, its attributes, and its value (a sum, or a histogram's count). */
interface ReceivedPoint {
  metric: string;
  attributes: Record<string, string | number | boolean>;
  value: number;
}

export interface OtlpReceiver {
  /** The base URL to give as OTEL_EXPORTER_OTLP_ENDPOINT / telemetry.otlp_endpoint. */
  url: string;
  spans(): ReceivedSpan[];
  points(): ReceivedPoint[];
  /** Requests received on any path, whatever they carried. */
  requests(): number;
  close(): Promise<void>;
}

/**
 * A small OTLP/HTTP receiver for tests: it takes what the official exporters send to
 * `/v1/traces` and `/v1/metrics` (OTLP's JSON encoding, which @opentelemetry/exporter-*-otlp-http
 * send), decodes it and keeps it. A test double of a collector, on loopback, never shipped.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const points: ReceivedPoint[] = [];
  let requests = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests++;
      try {
        if (!String(req.headers['content-type']).startsWith('application/json')) throw new Error(`unexpected content type ${req.headers['content-type']}`);
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (req.url === '/v1/traces') spans.push(...decodeSpans(body));
        else if (req.url === '/v1/metrics') points.push(...decodePoints(body));
        else throw new Error(`unexpected path ${req.url}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch (error) {
        res.writeHead(400).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => [...spans],
    points: () => [...points],
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function attributesOf(list: OtlpAttribute[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    out[key] = value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.doubleValue ?? value.boolValue ?? '';
  }
  return out;
}

// biome-ignore lint/suspicious/noExplicitAny: the decoded OTLP JSON document
function decodeSpans(body: any): ReceivedSpan[] {
  return (body.resourceSpans ?? []).flatMap(
    // biome-ignore lint/suspicious/noExplicitAny: the decoded OTLP JSON document
    (rs: any) =>
      // biome-ignore lint/suspicious/noExplicitAny: the decoded OTLP JSON document
      (rs.scopeSpans ?? []).flatMap((ss: any) =>
        // biome-ignore lint/suspicious/noExplicitAny: the decoded OTLP JSON document
        (ss.spans ?? []).map((s: any) => ({
          traceId: s.traceId,
          spanId: s.spanId,
          ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
          name: s.name,
          kind: s.kind,
          attributes: attributesOf(s.attributes),
          status: s.status ?? {},
          resource: attributesOf(rs.resource?.attributes),
        })),
      ),
  );
}

// biome-ignore lint/suspicious/noExplicitAny: the decoded OTLP JSON document
function decodePoints(body: any): ReceivedPoint[] {
  const out: ReceivedPoint[] = [];
  for (const rm of body.resourceMetrics ?? []) {
    for (const sm of rm.scopeMetrics ?? []) {
      for (const metric of sm.metrics ?? []) {
        for (const p of metric.sum?.dataPoints ?? [])
          out.push({ metric: metric.name, attributes: attributesOf(p.attributes), value: Number(p.asInt ?? p.asDouble ?? 0) });
        for (const p of metric.histogram?.dataPoints ?? [])
          out.push({ metric: metric.name, attributes: attributesOf(p.attributes), value: Number(p.count ?? 0) });
      }
    }
  }
  return out;
}
