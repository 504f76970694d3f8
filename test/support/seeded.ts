import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { scratchDir } from './paths.js';
import { buildProject } from './servers.js';

const PIPELINE = `mcpc: 1
server: { name: seeded, version: 1.0.0 }
sources:
  db: { kind: clickhouse, seed: seed/events.sql }
resources:
  events: { source: db, table: events, access: anonymous }
tools:
  count_events:
    kind: query
    description: How many events there are
    reads: [events]
    sql: SELECT count() AS n FROM events
`;

export interface SeededProject {
  serverJs: string;
  /** The copy of the project the server was built from: its pipeline file is `pipeline.yaml`. */
  project: string;
  /** The seed file as the user wrote it, in the copy of the project the server was built from. */
  seedFile: string;
  /** The copy of the seed the server reads, in its build directory. */
  builtSeed: string;
}

/**
 * Builds a server named `seeded` with one embedded source seeded from `seed` and one tool,
 * `count_events`, that counts the rows of `events`. Its database lives beside its pipeline, so
 * every call gets a database of its own.
 */
export function buildSeededServer(prefix: string, seed: string): SeededProject {
  const dir = scratchDir(prefix);
  mkdirSync(join(dir, 'seed'));
  writeFileSync(join(dir, 'pipeline.yaml'), PIPELINE);
  writeFileSync(join(dir, 'seed', 'events.sql'), seed);
  const { serverJs, project } = buildProject(join(dir, 'pipeline.yaml'), 'seeded');
  return { serverJs, project, seedFile: join(project, 'seed', 'events.sql'), builtSeed: join(dirname(serverJs), 'seed', 'db.sql') };
}
