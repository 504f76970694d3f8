import type { CallToolResult } from '@modelcontextprotocol/server';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { BudgetClassSpec, BudgetsSpec, ToolSpec } from '../contract/spec.js';
import { ToolFailure } from '../errors.js';
import type { BucketRule, TokenBuckets } from '../state/buckets.js';
import type { CallContext } from './context.js';

/** Buckets each class holds in memory at once when `budgets.max_buckets` does not say. */
export const DEFAULT_MAX_BUCKETS = 100_000;

const PER_MS: Record<BudgetClassSpec['per'], number> = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** A caller key longer than this (from a request header) is kept as its hash, so buckets stay small. */
const MAX_CALLER_KEY = 128;

/** What a result's `_meta` says of the budget its call took from (`mcpc/budget`). */
interface BudgetMeta {
  readonly class: string;
  /** Whole tokens left: calls the caller may make now without waiting. */
  readonly remaining: number;
  readonly limit: number;
  readonly per: BudgetClassSpec['per'];
}

/** What the budget stage decided: the `_meta` every result carries, and the refusal when no token was left. */
export interface BudgetTaken {
  readonly meta: BudgetMeta;
  readonly refusal?: ToolFailure;
}

/**
 * The budget stage of a call (identify → authorize → budget → idempotency → execute): one token
 * from the bucket of the caller and the class of the tool it called. A pipeline's call takes one
 * token of the pipeline's class; its steps take none (the pipeline's author chose them, not the
 * caller, and a call's cost is then known before it starts). A verified caller is its identity;
 * anonymous callers are told apart as `budgets.anonymous_key` says, by default by the client's
 * address (over stdio there is one caller).
 */
export class Budgets {
  private readonly rules: ReadonlyMap<string, { rule: BucketRule; spec: BudgetClassSpec }>;
  private readonly anonymousKey: NonNullable<BudgetsSpec['anonymousKey']>;

  constructor(
    spec: BudgetsSpec | undefined,
    private readonly buckets: TokenBuckets,
  ) {
    this.rules = new Map(
      Object.entries(spec?.classes ?? {}).map(([name, c]) => [name, { rule: { name, capacity: c.rate, refillPerMs: c.rate / PER_MS[c.per] }, spec: c }]),
    );
    this.anonymousKey = spec?.anonymousKey ?? 'address';
  }

  /** Takes a token for a call of `tool`; undefined when the tool is not budgeted. Store failures throw (fail closed). */
  async take(tool: ToolSpec, context: CallContext): Promise<BudgetTaken | undefined> {
    if (tool.budget === undefined) return undefined;
    const found = this.rules.get(tool.budget);
    if (!found) throw new Error(`mcpc internal error: tool '${tool.name}' takes from budget class '${tool.budget}', which the spec does not declare`);
    const { rule, spec } = found;
    const taken = await this.buckets.take(rule, this.callerOf(context));
    const meta: BudgetMeta = { class: rule.name, remaining: Math.floor(taken.tokens), limit: spec.rate, per: spec.per };
    if (taken.ok) return { meta };
    const refusal = new ToolFailure(
      'BUDGET.EXHAUSTED',
      `the '${rule.name}' budget of ${spec.rate} calls per ${spec.per} is used up for this caller; retry after ${taken.retryAfterMs} ms`,
      { retryAfterMs: taken.retryAfterMs },
    );
    return { meta, refusal };
  }

  /** The caller a bucket belongs to: never a credential, only the identity the server resolved. */
  private callerOf(context: CallContext): string {
    const { principal } = context;
    if (principal.kind !== 'anonymous') return `${principal.kind}:${principal.id}`;
    if (this.anonymousKey === 'shared') return 'anonymous';
    const client = context.client ?? 'unknown';
    return `anonymous:${client.length > MAX_CALLER_KEY ? createHash('sha256').update(client).digest('hex') : client}`;
  }
}

/**
 * Where an anonymous HTTP caller comes from, as `budgets.anonymous_key` tells callers apart: the
 * last entry of the header it names (the one the nearest proxy wrote; earlier entries are the
 * client's to forge), or the connection's address when the request has no such header.
 */
export function clientOf(spec: BudgetsSpec | undefined, headers: IncomingHttpHeaders, address: string): string {
  const key = spec?.anonymousKey;
  if (key === undefined || typeof key === 'string') return address;
  const raw = headers[key.header];
  const value = Array.isArray(raw) ? raw.at(-1) : raw;
  const last = value?.split(',').at(-1)?.trim();
  return last === undefined || last === '' ? address : last;
}

/** The `_meta` key of what is left of the budget a call took from. */
const BUDGET_META_KEY = 'mcpc/budget';

/** A call's result with what is left of its budget in `_meta`, refused or not. */
export function withBudgetMeta(result: CallToolResult, budget: BudgetTaken): CallToolResult {
  return { ...result, _meta: { ...result._meta, [BUDGET_META_KEY]: budget.meta } };
}
