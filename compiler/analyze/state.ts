import { redisUrlProblem } from '../../runtime/contract/state-url.js';
import type { StateSpec } from '../../runtime/contract/spec.js';
import type { Reporter } from '../diagnostics/reporter.js';
import type { PipelineFile } from '../validate/pipeline-file.js';
import { isLiteral, parseConfigText } from './config-text.js';

/**
 * `state:`: where budgets and idempotency records live. A URL written out is checked now; one
 * from the environment is checked when the server starts. A password never sits in the file.
 */
export function analyzeState(reporter: Reporter, state: PipelineFile['state']): StateSpec | undefined {
  if (state === undefined) return undefined;
  const at = ['state', 'redis'];
  const parsed = parseConfigText(state.redis);
  if (!parsed.ok) {
    reporter.error('MCPC_INTERPOLATION_INVALID', at, parsed.message);
    return undefined;
  }
  if (!isLiteral(parsed.text)) return { redis: parsed.text };
  const problem = redisUrlProblem(parsed.text.join(''));
  if (problem.kind === 'invalid') {
    reporter.error('MCPC_STATE_URL', at, problem.message, { hint: 'write redis://host:6379 (or rediss:// for TLS), or ${env:REDIS_URL}' });
    return undefined;
  }
  if (problem.kind === 'password') {
    reporter.error(
      'MCPC_SECRET_LITERAL',
      at,
      'the Redis URL carries a password written in the pipeline file, so it would end up in generated code and in version control',
      {
        hint: 'use redis: ${secret:REDIS_URL} (from the environment or a secrets directory at start)',
      },
    );
    return undefined;
  }
  return { redis: parsed.text };
}
