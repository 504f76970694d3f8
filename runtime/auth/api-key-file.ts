import { readFileSync, statSync } from 'node:fs';
import type { Principal } from '../contract/access.js';
import { type ApiKeyEntry, matchApiKey, parseKeyFile } from '../contract/api-keys.js';
import { StartupError } from '../errors.js';
import { log } from '../log.js';

/**
 * The API key file, read at start and again whenever it changes (its size or modification time),
 * so `mcpc keys add` and a revoked line take effect without a restart. A file that becomes
 * unreadable or malformed leaves the last good keys in force and is logged, never echoed.
 */
export class ApiKeyFile {
  private entries: ReadonlyMap<string, ApiKeyEntry>;
  private stamp: string;

  constructor(private readonly path: string) {
    try {
      this.stamp = stampOf(path);
      this.entries = parseKeyFile(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new StartupError(`auth.api_keys file ${path}: ${(error as Error).message} (create it with: mcpc keys add NAME --scopes ... --file ${path})`);
    }
  }

  /** The caller a key names, or undefined for a key that is not in the file. */
  verify(key: string): Principal | undefined {
    this.refresh();
    const entry = matchApiKey(this.entries, key);
    return entry && { id: `key:${entry.name}`, kind: 'user', scopes: entry.scopes };
  }

  private refresh(): void {
    let stamp: string;
    try {
      stamp = stampOf(this.path);
    } catch {
      // A file that is gone admits nobody: deleting it revokes every key.
      if (this.entries.size > 0) log.warn('api key file is gone; every key is refused until it is back', { file: this.path });
      this.entries = new Map();
      this.stamp = '';
      return;
    }
    if (stamp === this.stamp) return;
    try {
      this.entries = parseKeyFile(readFileSync(this.path, 'utf8'));
      this.stamp = stamp;
      log.info('api key file reloaded', { file: this.path, keys: this.entries.size });
    } catch (error) {
      log.warn('api key file is malformed; keeping the keys read before', { file: this.path, error: (error as Error).message });
      this.stamp = stamp;
    }
  }
}

function stampOf(path: string): string {
  const stat = statSync(path);
  return `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
}
