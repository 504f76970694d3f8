import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { StartupError } from '../errors.js';
import { Telemetry } from './telemetry.js';

/** How often metrics are exported, unless OTEL_METRIC_EXPORT_INTERVAL says otherwise (the SDK's default). */
const METRIC_INTERVAL_MS = 60_000;

export interface TelemetryOptions {
  /** The OTLP/HTTP base URL: spans go to `<endpoint>/v1/traces`, metrics to `<endpoint>/v1/metrics`. */
  endpoint: string;
  serviceName: string;
  serviceVersion: string;
}

/**
 * Starts the OpenTelemetry SDK: spans batched to the OTLP/HTTP trace exporter, metrics read
 * periodically into the OTLP/HTTP metric exporter, both under a resource naming the server.
 * Loaded only when a server exports telemetry: a server without it never loads the SDK. The
 * exporters read the usual OTEL_EXPORTER_OTLP_* variables for what the pipeline does not set
 * (headers, timeouts, compression).
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const base = endpointUrl(options.endpoint);
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName, [ATTR_SERVICE_VERSION]: options.serviceVersion });
  const tracerProvider = new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces` }))],
  });
  const interval = Number(process.env.OTEL_METRIC_EXPORT_INTERVAL);
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }),
        exportIntervalMillis: Number.isFinite(interval) && interval > 0 ? interval : METRIC_INTERVAL_MS,
      }),
    ],
  });
  return new Telemetry({
    tracer: tracerProvider.getTracer('mcpc', options.serviceVersion),
    meter: meterProvider.getMeter('mcpc', options.serviceVersion),
    async forceFlush() {
      await Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush()]);
    },
    async shutdown() {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  });
}

/** The endpoint without a trailing slash, refused at start unless it is an http(s) URL. */
function endpointUrl(endpoint: string): string {
  if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) {
    // The value is not echoed: an endpoint may carry credentials.
    throw new StartupError('telemetry otlp_endpoint must be an http:// or https:// URL of an OTLP/HTTP receiver');
  }
  return endpoint.replace(/\/+$/, '');
}
