import { type Span, SpanStatusCode } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from './attributes.js';

/** Ends a span, failed with `code` (span status ERROR, and `error.type`) when there is one. */
export function endSpan(span: Span, code: string | undefined): void {
  if (code !== undefined) {
    span.setAttribute(ATTR_ERROR_TYPE, code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: code });
  }
  span.end();
}
