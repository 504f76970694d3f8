import type { Transport } from '@modelcontextprotocol/server';

/**
 * Checks every message before the SDK parses it into its own types, on every transport: what a
 * hostile client can send that nothing later should have to walk or would silently drop.
 *
 * - Tool arguments nested deeper than the limit are refused before anything recursive (the
 *   validator, `JSON.stringify` at bind time) walks them.
 * - An argument named `__proto__` is refused like any unknown argument: the SDK's own parsing
 *   would drop it without a word (it cannot be an own property of the object it builds).
 * - Arguments with more keys than any tool declares are refused before the SDK copies them.
 *
 * A refused call still goes through the normal call path, which answers PARAMS.INVALID: its
 * arguments are replaced by a marker the validate stage recognizes.
 */

/** What the validate stage finds instead of arguments the guard refused. */
export class RefusedArguments {
  constructor(readonly reason: string) {}
}

/** Where a refusal travels from the guard to the call path, inside the request's `_meta`. */
export const REFUSAL_META_KEY = 'mcpc/refused_arguments';

type Message = { method?: unknown; params?: unknown };

/**
 * Returns the message, with a refused call's arguments replaced by `{}` and the reason recorded
 * in its `_meta`. Batches (2025-era clients) are guarded message by message.
 */
export function guardMessage<M>(message: M, maxDepth: number): M {
  if (Array.isArray(message)) return message.map((item) => guardMessage(item, maxDepth)) as M;
  const { method, params } = (message ?? {}) as Message;
  if (method !== 'tools/call' || params === null || typeof params !== 'object') return message;
  const holder = params as { arguments?: unknown; _meta?: unknown };
  const reason = refusal(holder.arguments, maxDepth);
  if (reason === undefined) return message;
  const meta = holder._meta !== null && typeof holder._meta === 'object' ? holder._meta : {};
  holder.arguments = {};
  holder._meta = { ...meta, [REFUSAL_META_KEY]: reason };
  return message;
}

/** More top-level arguments than any tool could declare; the SDK's parsing copies each key, so refuse early. */
const MAX_ARGUMENT_KEYS = 1000;

/** Why these arguments are refused, or undefined. Iterative, so depth cannot exhaust the stack. */
function refusal(value: unknown, maxDepth: number): string | undefined {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    let keys = 0;
    for (const _ in value) if (++keys > MAX_ARGUMENT_KEYS) break;
    if (keys > MAX_ARGUMENT_KEYS) return `arguments hold more than ${MAX_ARGUMENT_KEYS} keys; no tool takes that many`;
  }
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth > maxDepth) return `arguments are nested deeper than ${maxDepth} levels`;
    if (Array.isArray(current)) {
      for (const item of current) if (item !== null && typeof item === 'object') stack.push({ value: item, depth: depth + 1 });
      continue;
    }
    if (Object.hasOwn(current, '__proto__')) {
      return depth === 0 ? `unknown argument '__proto__'` : `an object inside the arguments has a key named '__proto__', which is refused`;
    }
    for (const item of Object.values(current)) if (item !== null && typeof item === 'object') stack.push({ value: item, depth: depth + 1 });
  }
  return undefined;
}

/**
 * The same guard on a transport that parses messages itself (stdio): every message it hands on
 * has passed `guardMessage` first.
 */
export function guardTransport<T extends Transport>(transport: T, maxDepth: number): T {
  let guarded: Transport['onmessage'];
  Object.defineProperty(transport, 'onmessage', {
    configurable: true,
    get: () => guarded,
    set: (handler: Transport['onmessage']) => {
      guarded = handler && ((message, extra) => handler(guardMessage(message, maxDepth), extra));
    },
  });
  return transport;
}
