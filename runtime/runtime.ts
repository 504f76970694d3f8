import type { ServerSpec } from './contract.js';
import { compileArgsValidator, createArgsAjv, type ArgsValidator } from './params/validator.js';
import { buildCatalog, type CatalogView, type Principal } from './protocol/catalog.js';
import type { Source } from './sources/source.js';

/** Everything a request needs, prepared once at start: sources, caller views, argument validators. */
export interface Runtime {
  spec: ServerSpec;
  sources: ReadonlyMap<string, Source>;
  views: Record<Principal['kind'], CatalogView>;
  validators: ReadonlyMap<string, ArgsValidator>;
}

export function createRuntime(spec: ServerSpec, sources: ReadonlyMap<string, Source>): Runtime {
  const ajv = createArgsAjv();
  const validators = new Map(spec.tools.map((tool) => [tool.name, compileArgsValidator(ajv, tool.inputSchema)]));
  return { spec, sources, views: buildCatalog(spec), validators };
}
