import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What seeded one database of an embedded data directory. */
export interface SeedRecord {
  /** sha256 of the seed text, hex. */
  sha256: string;
  seeded_at: string;
  /** The user's seed file, for messages. */
  file: string;
}

/**
 * Kept in the data directory, beside the engine's own files, and not in a table: a table would be
 * readable by declared SQL and listed by the engine's `system.tables`, and this is not data. One
 * file for the directory, by database, as sources on one directory may use different databases.
 */
const FILE = 'mcpc-seeds.json';

/** The hash a record stores for a seed text. */
export function seedHash(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

/** The record of the database's last seed, if one was written (a database seeded before mcpc kept records has none). */
export function readSeedRecord(dataDir: string, database: string): SeedRecord | undefined {
  const record = readAll(dataDir)[database];
  return record && typeof record.sha256 === 'string' ? record : undefined;
}

/** Records a seed that ran; written whole to a new file then renamed, so a crash never leaves half a record. */
export function writeSeedRecord(dataDir: string, database: string, record: SeedRecord): void {
  const all = { ...readAll(dataDir), [database]: record };
  const path = join(dataDir, FILE);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(all, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

function readAll(dataDir: string): Record<string, SeedRecord | undefined> {
  try {
    const value: unknown = JSON.parse(readFileSync(join(dataDir, FILE), 'utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, SeedRecord>) : {};
  } catch {
    return {};
  }
}
