import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../compiler/analyze/config-text.js';
import type { ConfigText } from '../../runtime/contract/spec.js';
import { ConfigError, resolveConfigText } from '../../runtime/contract/config-text.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The parsed text of a reference the test knows to be valid. */
function parsed(text: string): ConfigText {
  const result = parseConfigText(text);
  if (!result.ok) throw new Error(result.message);
  return result.text;
}

describe('configuration text', () => {
  it('splits literal text and env, default and secret references', () => {
    const parsed = parseConfigText('http://${env:HOST:-localhost}:8123/${secret:TOKEN}');
    expect(parsed).toEqual({ ok: true, text: ['http://', { env: 'HOST', default: 'localhost' }, ':8123/', { secret: 'TOKEN' }] });
  });

  it('keeps an empty default and reads $${ as a literal', () => {
    expect(parseConfigText('${env:URL:-}')).toEqual({ ok: true, text: [{ env: 'URL', default: '' }] });
    expect(parseConfigText('a$${b}')).toEqual({ ok: true, text: ['a${b}'] });
  });

  it('rejects references it does not understand, and secrets with defaults', () => {
    const unknown = parseConfigText('${ENV:URL}');
    expect(unknown.ok).toBe(false);
    expect(!unknown.ok && unknown.message).toContain("'${ENV:URL}' is not a reference");
    const secretDefault = parseConfigText('${secret:PW:-hunter2}');
    expect(!secretDefault.ok && secretDefault.message).toContain('a secret has no default');
    expect(parseConfigText('${params.x}').ok).toBe(false);
  });

  it('resolves at start from the environment, then the secrets directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpc-secrets-'));
    writeFileSync(join(dir, 'PW'), 's3cret\n');
    const text = parsed('${env:USER_NAME:-default}:${secret:PW}');
    expect(resolveConfigText(text, 'source x', { env: {}, secretsDir: dir })).toBe('default:s3cret');
    expect(resolveConfigText(text, 'source x', { env: { USER_NAME: 'ada', PW: 'fromenv' } })).toBe('ada:fromenv');
  });

  it('refuses a missing variable or secret without revealing any value', () => {
    const text = parsed('${secret:PW}');
    expect(() => resolveConfigText(text, "source 'w' password", { env: {} })).toThrow(ConfigError);
    expect(() => resolveConfigText(text, "source 'w' password", { env: {} })).toThrow(/needs secret PW/);
    const env = parsed('${env:NOPE}');
    expect(() => resolveConfigText(env, "source 'w' url", { env: {} })).toThrow("source 'w' url needs environment variable NOPE, which is not set");
  });
});
