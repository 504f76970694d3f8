/** What is wrong with a `state.redis` URL, if anything: checked at build time when written out, at start otherwise. */
export type RedisUrlProblem = { kind: 'none' } | { kind: 'password' } | { kind: 'invalid'; message: string };

/**
 * A Redis URL mcpc connects to: `redis://` or `rediss://` (TLS), a host, and optionally a port,
 * user, password and database number (`/0`). The password is reported apart: the compiler refuses
 * one written into the pipeline file, while at start it is what a secret supplies.
 */
export function redisUrlProblem(text: string): RedisUrlProblem {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { kind: 'invalid', message: 'state.redis is not a URL' };
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    return { kind: 'invalid', message: `state.redis must be a redis:// or rediss:// URL, not ${url.protocol}//` };
  }
  if (url.hostname === '') return { kind: 'invalid', message: 'state.redis names no host' };
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d+$/.test(url.pathname)) {
    return { kind: 'invalid', message: 'the path of state.redis must be a database number (/0, /1, ...)' };
  }
  if (url.password !== '') return { kind: 'password' };
  return { kind: 'none' };
}

/** The URL as logs and errors may show it: no user or password. */
export function shownRedisUrl(text: string): string {
  try {
    const url = new URL(text);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return 'state.redis';
  }
}
