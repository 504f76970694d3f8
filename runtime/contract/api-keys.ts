import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The API key format, in one place for `mcpc keys add` (which mints keys) and the server (which
 * checks them). A key is `mcpc_<name>_<64 hex digits>`; the key file holds one line per key,
 * `<name> sha256:<hex of the whole key> [scope,scope...]`, never the key itself.
 */
const KEY_PREFIX = 'mcpc_';
const KEY_PATTERN = /^mcpc_([A-Za-z0-9][A-Za-z0-9_.-]{0,63})_([0-9a-f]{64})$/;
/** Names a key may have: they appear in logs and ClickHouse's query log as `key:<name>`. */
export const KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** A scope as OAuth writes it (RFC 6749 §3.3): printable ASCII without space, `"` or `\`. */
export const SCOPE_PATTERN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export interface ApiKeyEntry {
  readonly name: string;
  /** SHA-256 of the whole key, 32 bytes. */
  readonly hash: Buffer;
  readonly scopes: readonly string[];
}

/** Whether a bearer token is in the API key format (else it is taken for a JWT). */
export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(KEY_PREFIX);
}

/** A new key for `name`, and the line of the key file that admits it. */
export function mintApiKey(name: string, scopes: readonly string[]): { key: string; line: string } {
  const key = `${KEY_PREFIX}${name}_${randomBytes(32).toString('hex')}`;
  return { key, line: keyFileLine(name, sha256(key), scopes) };
}

function keyFileLine(name: string, hash: Buffer, scopes: readonly string[]): string {
  return `${name} sha256:${hash.toString('hex')}${scopes.length > 0 ? ` ${scopes.join(',')}` : ''}\n`;
}

/** Parses a key file: one key per line, `#` comments and blank lines skipped. Throws on a malformed line. */
export function parseKeyFile(text: string): Map<string, ApiKeyEntry> {
  const entries = new Map<string, ApiKeyEntry>();
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [name, hash, scopes, extra] = line.split(/\s+/);
    const hex = /^sha256:([0-9a-f]{64})$/.exec(hash ?? '')?.[1];
    const scopeList = scopes === undefined ? [] : scopes.split(',');
    if (!name || !KEY_NAME_PATTERN.test(name) || hex === undefined || extra !== undefined || !scopeList.every((s) => SCOPE_PATTERN.test(s))) {
      // The line is not echoed: a key pasted by mistake into the file must not reach a log.
      throw new Error(`line ${index + 1} is not 'NAME sha256:HEX [scope,scope...]'`);
    }
    if (entries.has(name)) throw new Error(`line ${index + 1}: key '${name}' appears twice`);
    entries.set(name, { name, hash: Buffer.from(hex, 'hex'), scopes: scopeList });
  }
  return entries;
}

/** An entry no key matches, compared against when a name is unknown, so that case costs what a wrong key costs. */
const NO_ENTRY: ApiKeyEntry = { name: '', hash: Buffer.alloc(32), scopes: [] };

/**
 * The entry a presented key belongs to, or undefined. The name only selects the entry; the
 * whole key's hash is then compared in constant time, and an unknown name or a malformed key
 * takes the same hash and comparison, so timing tells nothing about which part was wrong.
 */
export function matchApiKey(entries: ReadonlyMap<string, ApiKeyEntry>, key: string): ApiKeyEntry | undefined {
  const name = KEY_PATTERN.exec(key)?.[1];
  const entry = (name === undefined ? undefined : entries.get(name)) ?? NO_ENTRY;
  const equal = timingSafeEqual(sha256(key), entry.hash);
  return equal && entry !== NO_ENTRY ? entry : undefined;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
