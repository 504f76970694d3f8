import type { Reporter } from '../../diagnostics/reporter.js';
import type { PipelineFile } from '../../validate/pipeline-file.js';
import type { IdentifierAllocator } from '../identifiers.js';
import type { ResourceIR, SourceIR } from '../ir.js';
import type { SqlChecker } from '../sql-checker.js';

/** What every tool analyzer works with. */
export interface ToolScope {
  reporter: Reporter;
  file: PipelineFile;
  sources: SourceIR[];
  resources: ResourceIR[];
  identifiers: IdentifierAllocator;
  sql: SqlChecker;
}
