import type { ConfigPart, ConfigText } from '../../runtime/contract/spec.js';

export type ConfigTextResult = { ok: true; text: ConfigText } | { ok: false; message: string; offset: number };

const REFERENCE = /^\$\{(env|secret):([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/;

/**
 * Splits configuration text into literal parts and `${env:NAME}`, `${env:NAME:-default}` and
 * `${secret:NAME}` references, resolved when the server starts. `$${` writes a literal `${`.
 */
export function parseConfigText(input: string): ConfigTextResult {
  const parts: ConfigPart[] = [];
  let literal = '';
  let i = 0;
  while (i < input.length) {
    if (input.startsWith('$${', i)) {
      literal += '${';
      i += 3;
      continue;
    }
    if (!input.startsWith('${', i)) {
      literal += input[i];
      i++;
      continue;
    }
    const match = REFERENCE.exec(input.slice(i));
    if (!match) {
      const end = input.indexOf('}', i);
      const written = end < 0 ? input.slice(i) : input.slice(i, end + 1);
      return {
        ok: false,
        offset: i,
        message: `'${written}' is not a reference mcpc understands here; use \${env:NAME}, \${env:NAME:-default} or \${secret:NAME}`,
      };
    }
    const [whole, kind, name, fallback] = match;
    if (kind === 'secret' && fallback !== undefined) {
      return { ok: false, offset: i, message: `'${whole}': a secret has no default; a missing secret must stop the server, not fall back` };
    }
    if (literal !== '') parts.push(literal);
    literal = '';
    parts.push(kind === 'secret' ? { secret: name! } : fallback === undefined ? { env: name! } : { env: name!, default: fallback });
    i += whole.length;
  }
  if (literal !== '' || parts.length === 0) parts.push(literal);
  return { ok: true, text: parts };
}

/** True when the text is fixed at build time (no references). */
export function isLiteral(text: ConfigText): boolean {
  return text.every((part) => typeof part === 'string');
}
