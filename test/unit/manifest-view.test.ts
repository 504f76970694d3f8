import { describe, expect, it } from 'vitest';
import { ANONYMOUS, OPERATOR } from '../../runtime/contract/access.js';
import { manifestFor, type ServedManifest } from '../../runtime/protocol/manifest-resource.js';

const MANIFEST: ServedManifest = {
  content_hash: 'h',
  sources: [{ name: 'open' }, { name: 'closed' }],
  resources: [{ name: 'anon', access: 'anonymous', source: 'open' }],
  resource_patterns: [{ name: 'secret_events', access: 'authenticated', scopes: ['events:read'], source: 'closed' }],
  tools: [],
  pipelines: [],
};

describe('the manifest a caller reads', () => {
  it('shows a table pattern only to callers who may read its tables, and never its source otherwise', () => {
    const anonymous = manifestFor(MANIFEST, ANONYMOUS);
    expect(anonymous.resource_patterns).toBeUndefined();
    expect(anonymous.sources).toEqual([{ name: 'open' }]);
    expect(JSON.stringify(anonymous)).not.toContain('secret_events');
    const operator = manifestFor(MANIFEST, OPERATOR);
    expect(operator.resource_patterns?.map((p) => p.name)).toEqual(['secret_events']);
    expect(operator.sources).toEqual(MANIFEST.sources);
  });
});
