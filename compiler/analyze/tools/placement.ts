import { requiredAccess } from '../../../runtime/contract/access.js';
import type { AccessRule } from '../../../runtime/contract/spec.js';
import { didYouMean } from '../../diagnostics/suggest.js';
import type { ToolScope } from './scope.js';

/** Where a tool runs and what it touches, as every kind declares them. */
export interface ToolPlacement extends AccessRule {
  source: string;
  reads: string[];
}

/**
 * The source a tool runs on (named, implied by what it reads, or the only one there is) and the
 * access it requires, derived once here from the resources it reads: the runtime, `mcpc dev` and
 * the manifest all use this one verdict.
 */
export function placeTool(
  scope: ToolScope,
  name: string,
  section: { source?: string; reads?: string[]; writes?: string[] },
  field: 'reads' | 'writes' = 'reads',
): ToolPlacement | undefined {
  const { reporter, file } = scope;
  const at = ['tools', name];
  const sourceNames = Object.keys(file.sources);
  const resourceNames = Object.keys(file.resources ?? {});
  const reads = section[field] ?? [];
  let valid = true;
  if (section.source !== undefined && !(section.source in file.sources)) {
    reporter.error(
      'MCPC_REF_UNKNOWN_SOURCE',
      [...at, 'source'],
      `tool '${name}' names source '${section.source}', which is not defined${didYouMean(section.source, sourceNames)}`,
    );
    valid = false;
  }
  const readSources = new Map<string, number>();
  const touched = [];
  for (const [index, resource] of reads.entries()) {
    const found = scope.resources.find((r) => r.name === resource);
    if (!found) {
      if (!(resource in (file.resources ?? {}))) {
        reporter.error(
          'MCPC_REF_UNKNOWN_RESOURCE',
          [...at, field, index],
          `tool '${name}' ${field} resource '${resource}', which is not defined${didYouMean(resource, resourceNames)}`,
        );
      }
      valid = false;
      continue;
    }
    touched.push(found);
    if (!readSources.has(found.source)) readSources.set(found.source, index);
  }
  if (!valid) return undefined;
  const access = requiredAccess(touched);
  if (readSources.size > 1) {
    reporter.error(
      'MCPC_SOURCE_MISMATCH',
      [...at, field],
      `tool '${name}' ${field} resources on several sources (${[...readSources.keys()].join(', ')}); one query runs on one source`,
    );
    return undefined;
  }
  const implied = [...readSources.keys()][0];
  if (section.source !== undefined) {
    if (implied !== undefined && implied !== section.source) {
      reporter.error(
        'MCPC_SOURCE_MISMATCH',
        [...at, 'source'],
        `tool '${name}' runs on source '${section.source}' but ${field} resources on source '${implied}'`,
      );
      return undefined;
    }
    return { source: section.source, reads, ...access };
  }
  if (implied !== undefined) return { source: implied, reads, ...access };
  if (sourceNames.length === 1) return { source: sourceNames[0]!, reads, ...access };
  reporter.error('MCPC_SOURCE_AMBIGUOUS', at, `tool '${name}' reads no resource and names no source, and there are ${sourceNames.length} sources`, {
    part: 'key',
    hint: `add source: ${sourceNames[0]} (or reads: [...])`,
  });
  return undefined;
}
