import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { KEY_NAME_PATTERN, mintApiKey, parseKeyFile, SCOPE_PATTERN } from '../../runtime/contract/api-keys.js';
import type { Io } from './commands.js';

/**
 * `mcpc keys add NAME --scopes a,b --file F`: mints an API key, appends its hash (never the key)
 * to the key file, creating it readable by its owner only, and prints the key once on stdout. A
 * running server sees the new line on the next request. Returns an exit code; usage problems are 2.
 */
export function keysAddCommand(name: string, scopes: readonly string[], file: string, io: Io): number {
  if (!KEY_NAME_PATTERN.test(name)) {
    io.stderr(`mcpc: a key name is a letter or digit, then up to 63 letters, digits, '_', '.' or '-', not '${name}'\n`);
    return 2;
  }
  const bad = scopes.filter((s) => !SCOPE_PATTERN.test(s));
  if (bad.length > 0) {
    io.stderr(`mcpc: a scope is printable ASCII without spaces, '"' or '\\', not '${bad[0]}'\n`);
    return 2;
  }
  if (existsSync(file)) {
    let existing: ReturnType<typeof parseKeyFile>;
    try {
      existing = parseKeyFile(readFileSync(file, 'utf8'));
    } catch (error) {
      io.stderr(`mcpc: ${file}: ${(error as Error).message}; fix it before adding keys\n`);
      return 1;
    }
    if (existing.has(name)) {
      io.stderr(`mcpc: ${file} already has a key named '${name}'; remove its line to revoke it, or choose another name\n`);
      return 1;
    }
  }
  const { key, line } = mintApiKey(name, scopes);
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
  appendFileSync(file, before === '' || before.endsWith('\n') ? line : `\n${line}`, { mode: 0o600 });
  io.stdout(`${key}\n`);
  io.stderr(
    `mcpc: added key '${name}'${scopes.length > 0 ? ` with scopes ${scopes.join(', ')}` : ' without scopes'} to ${file} (its hash only).\n` +
      'The key is printed above, once: store it now; it cannot be shown again. Callers send it as: Authorization: Bearer <key>\n',
  );
  return 0;
}
