import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** Runs statements on an embedded data directory, in a process of its own (as a server or an operator would). */
export function onEmbedded(path: string, statements: readonly string[]): void {
  const chdb = pathToFileURL(createRequire(import.meta.url).resolve('chdb')).href;
  const script = `const { Session } = await import(${JSON.stringify(chdb)});
    const session = new Session(process.argv[1]);
    try { for (const s of JSON.parse(process.argv[2])) session.query(s); } finally { session.close(); }`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, path, JSON.stringify(statements)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.status !== 0) throw new Error(`statements on ${path} failed: ${child.stderr}`);
}
