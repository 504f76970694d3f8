import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigText } from './spec.js';

/** A setting that cannot be resolved at start; the server refuses to start rather than guess. */
export class ConfigError extends Error {}

export interface ConfigEnvironment {
  env: NodeJS.ProcessEnv;
  /** Directory of secret files (`MCPC_SECRETS_DIR`), one file per secret name. */
  secretsDir?: string;
}

/**
 * Resolves `${env:...}` and `${secret:...}` references when the server starts. A secret comes
 * from the environment variable of its name or, failing that, the file of its name in the
 * secrets directory (as mounted by Kubernetes or Docker); its value never appears in messages.
 */
export function resolveConfigText(text: ConfigText, where: string, environment: ConfigEnvironment): string {
  let out = '';
  for (const part of text) {
    if (typeof part === 'string') out += part;
    else if ('env' in part) {
      const value = environment.env[part.env];
      if (value !== undefined) out += value;
      else if (part.default !== undefined) out += part.default;
      else throw new ConfigError(`${where} needs environment variable ${part.env}, which is not set`);
    } else {
      out += readSecret(part.secret, where, environment);
    }
  }
  return out;
}

function readSecret(name: string, where: string, environment: ConfigEnvironment): string {
  const fromEnv = environment.env[name];
  if (fromEnv !== undefined) return fromEnv;
  if (environment.secretsDir) {
    try {
      return readFileSync(join(environment.secretsDir, name), 'utf8').replace(/\r?\n$/, '');
    } catch {
      // fall through to the error below, which names where it looked
    }
  }
  const places = environment.secretsDir
    ? `environment variable ${name} or file ${join(environment.secretsDir, name)}`
    : `environment variable ${name} (or set MCPC_SECRETS_DIR)`;
  throw new ConfigError(`${where} needs secret ${name}: neither ${places} exists`);
}
