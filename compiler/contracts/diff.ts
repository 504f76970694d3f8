import { canonicalJson } from '../../runtime/contract/canonical-json.js';
import type { Manifest } from '../emit/manifest.js';

/**
 * What a change to a server's contract means for the clients that call it. `breaking`: a call
 * that worked may now fail, or read something else; `compatible`: every call that worked still
 * does, and there is more; `patch`: nothing a client depends on changed (descriptions, SQL,
 * limits).
 */
export type ChangeLevel = 'breaking' | 'compatible' | 'patch';

export interface ContractChange {
  level: ChangeLevel;
  /** What changed: `tool 'x'`, `resource 'y'`, `server`. */
  subject: string;
  message: string;
}

/** The semver bump a set of changes needs. */
export type Bump = 'none' | 'patch' | 'minor' | 'major';

type Schema = Record<string, unknown>;
type Entry = Manifest['tools'][number] | Manifest['pipelines'][number];

/**
 * Every change from one manifest to the next that a client could notice, classified. Tools and
 * pipelines are one namespace (clients see both as tools); a tool removed while another appears
 * with the same inputs, outputs and access is reported once, as a rename.
 */
export function diffManifests(before: Manifest, after: Manifest): ContractChange[] {
  const changes: ContractChange[] = [];
  if (before.server.name !== after.server.name) {
    changes.push({ level: 'breaking', subject: 'server', message: `renamed from '${before.server.name}' to '${after.server.name}'` });
  }
  if (before.server.description !== after.server.description) changes.push({ level: 'patch', subject: 'server', message: 'description changed' });

  const oldTools = byName<Entry>([...before.tools, ...before.pipelines]);
  const newTools = byName<Entry>([...after.tools, ...after.pipelines]);
  const removed = [...oldTools.keys()].filter((name) => !newTools.has(name));
  const added = new Set([...newTools.keys()].filter((name) => !oldTools.has(name)));
  for (const name of removed) {
    const old = oldTools.get(name)!;
    const renamed = [...added].find((candidate) => sameContract(old, newTools.get(candidate)!));
    if (renamed !== undefined) {
      added.delete(renamed);
      changes.push({ level: 'breaking', subject: `tool '${name}'`, message: `renamed to '${renamed}'; clients calling '${name}' fail` });
    } else {
      changes.push({ level: 'breaking', subject: `tool '${name}'`, message: 'removed; clients calling it fail' });
    }
  }
  for (const name of added) changes.push({ level: 'compatible', subject: `tool '${name}'`, message: 'added' });
  for (const [name, old] of oldTools) {
    const next = newTools.get(name);
    if (next) changes.push(...diffTool(`tool '${name}'`, old, next));
  }

  const oldResources = byName(before.resources);
  const newResources = byName(after.resources);
  for (const [name, old] of oldResources) {
    const next = newResources.get(name);
    const subject = `resource '${name}'`;
    if (!next) {
      changes.push({ level: 'breaking', subject, message: 'removed; clients reading it fail' });
      continue;
    }
    changes.push(...diffAccess(subject, old, next));
    if (old.uri !== next.uri) changes.push({ level: 'breaking', subject, message: `URI changed from ${old.uri} to ${next.uri}` });
    if (old.table !== next.table || old.database !== next.database || old.source !== next.source) {
      changes.push({ level: 'patch', subject, message: `now served from ${next.source}:${next.database ? `${next.database}.` : ''}${next.table}` });
    }
    changes.push(...diffColumns(subject, 'column', old.columns, next.columns));
    if (old.role !== next.role) changes.push(roleChange(subject, old.role, next.role));
    if (old.description !== next.description) changes.push({ level: 'patch', subject, message: 'description changed' });
  }
  for (const name of newResources.keys()) {
    if (!oldResources.has(name)) changes.push({ level: 'compatible', subject: `resource '${name}'`, message: 'added' });
  }
  changes.push(...diffPatterns(before.resource_patterns ?? [], after.resource_patterns ?? []));
  return changes;
}

type Pattern = NonNullable<Manifest['resource_patterns']>[number];

/** Table patterns: the tables one finds are resources clients list and read, so losing or narrowing one breaks them. */
function diffPatterns(before: readonly Pattern[], after: readonly Pattern[]): ContractChange[] {
  const changes: ContractChange[] = [];
  const newPatterns = byName(after);
  for (const old of before) {
    const next = newPatterns.get(old.name);
    const subject = `resource '${old.name}'`;
    if (!next) {
      changes.push({ level: 'breaking', subject, message: `removed; the tables its pattern ${old.table_pattern} found leave resources/list` });
      continue;
    }
    changes.push(...diffAccess(subject, old, next));
    if (old.uri !== next.uri) changes.push({ level: 'breaking', subject, message: `URI changed from ${old.uri} to ${next.uri}` });
    // Which tables two patterns share is not known before run time: a change may lose some.
    if (old.table_pattern !== next.table_pattern || old.database !== next.database || old.source !== next.source) {
      changes.push({
        level: 'breaking',
        subject,
        message: `now finds ${next.source}:${next.database ? `${next.database}.` : ''}${next.table_pattern}; tables it found may leave resources/list`,
      });
    }
    if (old.description !== next.description) changes.push({ level: 'patch', subject, message: 'description changed' });
  }
  for (const next of after) {
    if (!before.some((old) => old.name === next.name)) changes.push({ level: 'compatible', subject: `resource '${next.name}'`, message: 'added' });
  }
  return changes;
}

/** The bump a list of changes needs: major for any breaking change, minor for additions, patch for the rest. */
export function requiredBump(changes: readonly ContractChange[]): Bump {
  if (changes.some((c) => c.level === 'breaking')) return 'major';
  if (changes.some((c) => c.level === 'compatible')) return 'minor';
  return changes.length > 0 ? 'patch' : 'none';
}

const BUMPS: readonly Bump[] = ['none', 'patch', 'minor', 'major'];

/**
 * The bump from one version to the next (`major.minor.patch`, pre-release and build ignored), or
 * undefined when either is not such a version or the version went down. Before 1.0.0, semver
 * makes the minor number the breaking one: 0.3.0 → 0.4.0 counts as a major bump, 0.3.0 → 0.3.1
 * as a minor one.
 */
export function bumpBetween(from: string, to: string): Bump | undefined {
  const a = parseVersion(from);
  const b = parseVersion(to);
  if (!a || !b) return undefined;
  const order = compareVersions(a, b);
  if (order > 0) return undefined;
  if (order === 0) return 'none';
  if (b[0] !== a[0]) return 'major';
  if (a[0] === 0) return b[1] !== a[1] ? 'major' : 'minor';
  return b[1] !== a[1] ? 'minor' : 'patch';
}

/** Whether a bump is at least another. */
export function covers(actual: Bump, needed: Bump): boolean {
  return BUMPS.indexOf(actual) >= BUMPS.indexOf(needed);
}

function parseVersion(text: string): [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function byName<T extends { name: string }>(entries: readonly T[]): Map<string, T> {
  return new Map(entries.map((e) => [e.name, e]));
}

/** Same inputs, outputs and access: a tool that only changed its name. */
function sameContract(a: Entry, b: Entry): boolean {
  const contract = (e: Entry) => canonicalJson({ input: e.input_schema, output: e.output_schema, access: e.access, scopes: scopesOf(e) });
  return contract(a) === contract(b);
}

function diffTool(subject: string, old: Entry, next: Entry): ContractChange[] {
  const changes: ContractChange[] = [...diffAccess(subject, old, next)];
  const oldKind = 'kind' in old ? old.kind : 'pipeline';
  const newKind = 'kind' in next ? next.kind : 'pipeline';
  if (oldKind !== newKind) changes.push({ level: 'patch', subject, message: `now a ${newKind} (was a ${oldKind}); its schemas are compared below` });
  changes.push(...diffInput(subject, 'argument', old.input_schema, next.input_schema));
  const oldColumns = 'columns' in old ? old.columns : undefined;
  const newColumns = 'columns' in next ? next.columns : undefined;
  if (oldColumns && newColumns) {
    // Typed on both sides: the columns say it in ClickHouse's words, and the rest of the schema is compared without them.
    changes.push(...diffColumns(subject, 'output column', oldColumns, newColumns));
    changes.push(...diffOutput(subject, 'output', withoutRows(old.output_schema), withoutRows(next.output_schema)));
  } else {
    changes.push(...diffOutput(subject, 'output', old.output_schema, next.output_schema));
  }
  if (old.description !== next.description) changes.push({ level: 'patch', subject, message: 'description changed' });
  if ('sql' in old && 'sql' in next && old.sql !== next.sql) changes.push({ level: 'patch', subject, message: 'SQL changed' });
  const limits = (e: Entry) => canonicalJson({ max_rows: 'max_rows' in e ? e.max_rows : undefined, batch: 'batch_size' in e ? e.batch_size : undefined });
  if (limits(old) !== limits(next)) changes.push({ level: 'patch', subject, message: 'limits changed' });
  return changes;
}

/**
 * A resource's ClickHouse role changed: its queries run under other grants and row policies, so a
 * call that worked may now be refused, or read other rows. Nothing in the manifest says what a
 * role may read, so every change is breaking.
 */
function roleChange(subject: string, before: string | undefined, after: string | undefined): ContractChange {
  const named = (role: string | undefined) => (role === undefined ? "the connection user's default roles" : `role '${role}'`);
  return {
    level: 'breaking',
    subject,
    message: `queries now run under ${named(after)} instead of ${named(before)}; calls may be refused or read other rows`,
  };
}

function scopesOf(entry: object): string[] {
  const scopes = (entry as { scopes?: unknown }).scopes;
  return Array.isArray(scopes) ? scopes.map(String).sort() : [];
}

/** Access tightened (anonymous to authenticated, or scopes added) hides it from callers who used it. */
function diffAccess(subject: string, old: { access: string }, next: { access: string }): ContractChange[] {
  const changes: ContractChange[] = [];
  if (old.access !== next.access) {
    const tighter = old.access === 'anonymous';
    changes.push({
      level: tighter ? 'breaking' : 'compatible',
      subject,
      message: `access ${old.access} → ${next.access}${tighter ? '; callers without credentials lose it' : ''}`,
    });
  }
  const before = scopesOf(old);
  const after = scopesOf(next);
  const gained = after.filter((s) => !before.includes(s));
  const dropped = before.filter((s) => !after.includes(s));
  if (gained.length > 0) changes.push({ level: 'breaking', subject, message: `now needs scope ${gained.join(', ')}` });
  if (dropped.length > 0) changes.push({ level: 'compatible', subject, message: `no longer needs scope ${dropped.join(', ')}` });
  return changes;
}

type Columns = ReadonlyArray<{ name: string; type: string }> | undefined;

function diffColumns(subject: string, what: string, old: Columns, next: Columns): ContractChange[] {
  if (!old || !next) return [];
  const changes: ContractChange[] = [];
  const after = new Map(next.map((c) => [c.name, c.type]));
  const before = new Map(old.map((c) => [c.name, c.type]));
  for (const [name, type] of before) {
    const now = after.get(name);
    if (now === undefined) changes.push({ level: 'breaking', subject, message: `${what} '${name}' removed` });
    else if (now !== type) changes.push({ level: 'breaking', subject, message: `${what} '${name}' changed type ${type} → ${now}` });
  }
  for (const name of after.keys()) if (!before.has(name)) changes.push({ level: 'compatible', subject, message: `${what} '${name}' added` });
  return changes;
}

function withoutRows(schema: Schema): Schema {
  const properties = { ...((schema.properties as Record<string, Schema> | undefined) ?? {}) };
  if (properties.rows) properties.rows = { ...properties.rows, items: {} };
  return { ...schema, properties };
}

const typesOf = (schema: Schema): string[] => {
  const type = schema.type;
  const list = Array.isArray(type) ? type.map(String) : typeof type === 'string' ? [type] : [];
  // An integer is a number: a param that took numbers still takes integers.
  return list.includes('number') ? [...new Set([...list, 'integer'])] : list;
};

/** Lower bounds: raising one refuses values that passed. */
const LOWER = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties', 'formatMinimum', 'formatExclusiveMinimum'] as const;
/** Upper bounds: lowering one refuses values that passed. */
const UPPER = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties', 'formatMaximum', 'formatExclusiveMaximum'] as const;
/** Rules that refuse values when added or changed, and refuse fewer when removed. */
const RULES = ['pattern', 'format', 'multipleOf', 'const', 'uniqueItems'] as const;

/**
 * An input schema, old → new: what a client that sent a valid call may now have refused. Narrowed
 * types, removed enum values, tighter bounds, new rules, newly required or removed properties
 * (arguments are closed: an argument the tool no longer takes is refused) are breaking.
 */
function diffInput(subject: string, at: string, old: Schema, next: Schema): ContractChange[] {
  const changes: ContractChange[] = [];
  const say = (level: ChangeLevel, message: string) => changes.push({ level, subject, message: `${at}: ${message}` });
  const oldTypes = typesOf(old);
  const newTypes = typesOf(next);
  if (oldTypes.length > 0 || newTypes.length > 0) {
    const lost = oldTypes.filter((t) => !newTypes.includes(t));
    const gained = newTypes.filter((t) => !oldTypes.includes(t));
    if (newTypes.length > 0 && lost.length > 0) say('breaking', `type narrowed from ${oldTypes.join('|')} to ${newTypes.join('|')}`);
    else if (gained.length > 0 && oldTypes.length > 0) say('compatible', `type widened from ${oldTypes.join('|')} to ${newTypes.join('|')}`);
  }
  const oldEnum = Array.isArray(old.enum) ? old.enum.map((v) => canonicalJson(v)) : undefined;
  const newEnum = Array.isArray(next.enum) ? next.enum.map((v) => canonicalJson(v)) : undefined;
  if (newEnum && !oldEnum) say('breaking', `now limited to ${newEnum.join(', ')}`);
  if (oldEnum && newEnum) {
    const removed = oldEnum.filter((v) => !newEnum.includes(v));
    const added = newEnum.filter((v) => !oldEnum.includes(v));
    if (removed.length > 0) say('breaking', `value ${removed.join(', ')} no longer accepted`);
    if (added.length > 0) say('compatible', `value ${added.join(', ')} now accepted`);
  }
  if (oldEnum && !newEnum) say('compatible', 'no longer limited to a list of values');
  for (const key of LOWER) bound(key, old[key], next[key], (a, b) => b > a);
  for (const key of UPPER) bound(key, old[key], next[key], (a, b) => b < a);
  for (const key of RULES) {
    if (canonicalJson(old[key] ?? null) === canonicalJson(next[key] ?? null)) continue;
    if (next[key] === undefined) say('compatible', `${key} ${String(old[key])} removed`);
    else say('breaking', old[key] === undefined ? `${key} ${String(next[key])} added` : `${key} changed from ${String(old[key])} to ${String(next[key])}`);
  }
  if (canonicalJson(old.default ?? null) !== canonicalJson(next.default ?? null)) {
    say('compatible', `default changed from ${canonicalJson(old.default ?? null)} to ${canonicalJson(next.default ?? null)}`);
  }
  if (old.description !== next.description && at !== 'argument') say('patch', 'description changed');

  const oldProps = (old.properties as Record<string, Schema> | undefined) ?? {};
  const newProps = (next.properties as Record<string, Schema> | undefined) ?? {};
  const oldRequired = new Set(Array.isArray(old.required) ? old.required.map(String) : []);
  const newRequired = new Set(Array.isArray(next.required) ? next.required.map(String) : []);
  const child = (name: string) => (at === 'argument' ? `argument '${name}'` : `${at}.${name}`);
  for (const [name, schema] of Object.entries(oldProps)) {
    const now = newProps[name];
    if (!now) {
      if (next.additionalProperties === false) changes.push({ level: 'breaking', subject, message: `${child(name)} removed; calls that pass it are refused` });
      else changes.push({ level: 'compatible', subject, message: `${child(name)} no longer read` });
      continue;
    }
    changes.push(...diffInput(subject, child(name), schema, now));
    if (!oldRequired.has(name) && newRequired.has(name)) changes.push({ level: 'breaking', subject, message: `${child(name)} is now required` });
    if (oldRequired.has(name) && !newRequired.has(name)) changes.push({ level: 'compatible', subject, message: `${child(name)} is now optional` });
  }
  for (const [name] of Object.entries(newProps)) {
    if (oldProps[name]) continue;
    changes.push({
      level: newRequired.has(name) ? 'breaking' : 'compatible',
      subject,
      message: `${child(name)} added${newRequired.has(name) ? ' as required; calls without it are refused' : ', optional'}`,
    });
  }
  if (old.items && next.items && typeof old.items === 'object' && typeof next.items === 'object') {
    changes.push(...diffInput(subject, `${at === 'argument' ? 'arguments' : at}[]`, old.items as Schema, next.items as Schema));
  }
  return changes;

  function bound(key: string, before: unknown, after: unknown, tighter: (a: number | string, b: number | string) => boolean): void {
    if (before === after) return;
    if (after === undefined) say('compatible', `${key} ${String(before)} removed`);
    else if (before === undefined) say('breaking', `${key} ${String(after)} added`);
    else if (typeof before === typeof after)
      say(tighter(before as number, after as number) ? 'breaking' : 'compatible', `${key} ${String(before)} → ${String(after)}`);
  }
}

/**
 * An output schema, old → new: what a client that read the result may now misread. A field
 * removed or no longer always present, a type changed, an enum value added are breaking; new
 * fields are compatible.
 */
function diffOutput(subject: string, at: string, old: Schema, next: Schema): ContractChange[] {
  const changes: ContractChange[] = [];
  const say = (level: ChangeLevel, message: string) => changes.push({ level, subject, message: `${at}: ${message}` });
  const oldTypes = typesOf(old).sort().join('|');
  const newTypes = typesOf(next).sort().join('|');
  if (oldTypes !== newTypes && oldTypes !== '') say('breaking', `type changed from ${oldTypes} to ${newTypes || 'any'}`);
  if (Array.isArray(old.enum) && Array.isArray(next.enum)) {
    const before = old.enum.map((v) => canonicalJson(v));
    const added = next.enum.map((v) => canonicalJson(v)).filter((v) => !before.includes(v));
    if (added.length > 0) say('breaking', `may now be ${added.join(', ')}`);
  }
  const oldProps = (old.properties as Record<string, Schema> | undefined) ?? {};
  const newProps = (next.properties as Record<string, Schema> | undefined) ?? {};
  const newRequired = new Set(Array.isArray(next.required) ? next.required.map(String) : []);
  const oldRequired = new Set(Array.isArray(old.required) ? old.required.map(String) : []);
  for (const [name, schema] of Object.entries(oldProps)) {
    const now = newProps[name];
    if (!now) say('breaking', `field '${name}' removed`);
    else {
      changes.push(...diffOutput(subject, `${at}.${name}`, schema, now));
      if (oldRequired.has(name) && !newRequired.has(name)) say('breaking', `field '${name}' may now be absent`);
    }
  }
  for (const name of Object.keys(newProps)) if (!oldProps[name]) say('compatible', `field '${name}' added`);
  if (old.items && next.items && typeof old.items === 'object' && typeof next.items === 'object') {
    changes.push(...diffOutput(subject, `${at}[]`, old.items as Schema, next.items as Schema));
  }
  return changes;
}
