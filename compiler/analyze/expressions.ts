import type { ArgIR } from './ir.js';

type Reference = { kind: 'param'; name: string } | { kind: 'step'; step: string; fields: string[] };

export type ExpressionResult = { ok: true; arg: ArgIR } | { ok: false; message: string; expression: string };

const IDENT = '[A-Za-z_][A-Za-z0-9_]*';
const PARAM_REF = new RegExp(`^params\\.(${IDENT})$`);
const STEP_REF = new RegExp(`^steps\\.(${IDENT})((?:\\.(?:${IDENT}|[0-9]+))*)$`);

/**
 * Reads a step argument or pipeline output. Strings may hold `${params.x}` and
 * `${steps.id.field}`; a string that is exactly one reference passes the value itself (a list
 * stays a list), while references inside longer text are joined as text. Lists and mappings are
 * read item by item; `$${` writes a literal `${`.
 */
export function parseArgument(value: unknown): ExpressionResult {
  if (typeof value === 'string') return parseText(value);
  if (Array.isArray(value)) {
    const items: ArgIR[] = [];
    for (const item of value) {
      const result = parseArgument(item);
      if (!result.ok) return result;
      items.push(result.arg);
    }
    return { ok: true, arg: items.every((i) => i.kind === 'literal') ? { kind: 'literal', value } : { kind: 'list', items } };
  }
  if (value !== null && typeof value === 'object') {
    const entries: Record<string, ArgIR> = {};
    for (const [key, item] of Object.entries(value)) {
      const result = parseArgument(item);
      if (!result.ok) return result;
      entries[key] = result.arg;
    }
    return { ok: true, arg: Object.values(entries).every((i) => i.kind === 'literal') ? { kind: 'literal', value } : { kind: 'object', entries } };
  }
  return { ok: true, arg: { kind: 'literal', value } };
}

function parseText(text: string): ExpressionResult {
  const parts: Array<string | Reference> = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      literal += '${';
      i += 3;
    } else if (text.startsWith('${', i)) {
      const end = text.indexOf('}', i);
      if (end < 0) return { ok: false, expression: text.slice(i), message: `'${text.slice(i)}' is not closed with '}'` };
      const expression = text.slice(i + 2, end).trim();
      const reference = parseReference(expression);
      if (!reference) {
        return {
          ok: false,
          expression: `\${${expression}}`,
          message: `'\${${expression}}' is not a reference: use \${params.<name>} or \${steps.<id>.<field>}`,
        };
      }
      if (literal !== '') parts.push(literal);
      literal = '';
      parts.push(reference);
      i = end + 1;
    } else {
      literal += text[i];
      i++;
    }
  }
  if (literal !== '') parts.push(literal);
  if (parts.length === 1 && typeof parts[0] !== 'string') return { ok: true, arg: parts[0]! };
  if (parts.every((p) => typeof p === 'string')) return { ok: true, arg: { kind: 'literal', value: parts.join('') } };
  return { ok: true, arg: { kind: 'template', parts } };
}

function parseReference(expression: string): Reference | undefined {
  const param = PARAM_REF.exec(expression);
  if (param) return { kind: 'param', name: param[1]! };
  const step = STEP_REF.exec(expression);
  if (step) return { kind: 'step', step: step[1]!, fields: step[2] ? step[2].slice(1).split('.') : [] };
  return undefined;
}

/** Every reference inside an argument, in reading order. */
export function referencesOf(arg: ArgIR): Reference[] {
  switch (arg.kind) {
    case 'literal':
      return [];
    case 'param':
    case 'step':
      return [arg];
    case 'template':
      return arg.parts.filter((p): p is Reference => typeof p !== 'string');
    case 'list':
      return arg.items.flatMap(referencesOf);
    case 'object':
      return Object.values(arg.entries).flatMap(referencesOf);
  }
}
