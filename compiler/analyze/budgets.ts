import type { BudgetClassSpec, BudgetsSpec } from '../../runtime/contract/spec.js';
import type { DocPath } from '../diagnostics/diagnostic.js';
import type { Reporter } from '../diagnostics/reporter.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type { BudgetsSection, PipelineFile } from '../validate/pipeline-file.js';
import type { CompositeIR, ToolIR } from './ir.js';

/** Keys of `budgets:` that configure the classes rather than name one. */
const SETTINGS = new Set(['default', 'anonymous_key', 'max_buckets']);

/** The class writes fall to, when the pipeline declares one and they name none. */
const WRITE_CLASS = 'write';

/** What `budgets:` resolves to: the runtime's spec, and each tool's and pipeline's class. */
export interface AnalyzedBudgets {
  spec?: BudgetsSpec;
  /** The budget class of each tool and pipeline that has one, by name. */
  classOf: ReadonlyMap<string, string>;
}

/**
 * Resolves the budget class of every tool and pipeline: the one it names; else, for a write (an
 * insert tool, a pipeline that reaches one), the class `write` when there is one; else
 * `budgets.default`; else none (the call is not budgeted). A class named nowhere, a default
 * naming no class, or a tool naming an unknown class is reported where it is written.
 */
export function analyzeBudgets(reporter: Reporter, file: PipelineFile, tools: readonly ToolIR[], pipelines: readonly CompositeIR[]): AnalyzedBudgets {
  const section = file.budgets;
  const classes = section === undefined ? {} : budgetClasses(section);
  const names = Object.keys(classes);
  const known = (name: string) => Object.hasOwn(classes, name);
  const defaultClass = section?.default;
  let unknownNamed = false;
  if (defaultClass !== undefined && !known(defaultClass)) {
    unknownNamed = true;
    reporter.error(
      'MCPC_REF_UNKNOWN_BUDGET',
      ['budgets', 'default'],
      `the default budget class '${defaultClass}' is not a class of budgets:${classList(names, defaultClass)}`,
    );
  }

  const writes = new Set([...tools.filter((t) => t.kind === 'insert').map((t) => t.name), ...pipelines.filter((p) => p.writes.length > 0).map((p) => p.name)]);
  const classOf = new Map<string, string>();
  const declared: Array<{ name: string; named?: string; at: DocPath }> = [
    ...Object.entries(file.tools ?? {}).map(([name, tool]) => ({ name, at: ['tools', name], ...(tool.budget === undefined ? {} : { named: tool.budget }) })),
    ...Object.entries(file.pipelines ?? {}).map(([name, p]) => ({ name, at: ['pipelines', name], ...(p.budget === undefined ? {} : { named: p.budget }) })),
  ];
  for (const { name, named, at } of declared) {
    if (named !== undefined) {
      if (known(named)) {
        classOf.set(name, named);
        continue;
      }
      unknownNamed = true;
      if (section === undefined) {
        reporter.error('MCPC_REF_UNKNOWN_BUDGET', [...at, 'budget'], `'${name}' takes from budget class '${named}', but the pipeline has no budgets: section`, {
          hint: `declare it, for example budgets: { ${named}: { rate: 100, per: minute } }`,
        });
      } else {
        reporter.error(
          'MCPC_REF_UNKNOWN_BUDGET',
          [...at, 'budget'],
          `'${name}' takes from budget class '${named}', which budgets: does not declare${classList(names, named)}`,
        );
      }
    } else if (writes.has(name) && known(WRITE_CLASS)) classOf.set(name, WRITE_CLASS);
    else if (defaultClass !== undefined && known(defaultClass)) classOf.set(name, defaultClass);
  }

  if (section === undefined) return { classOf };
  // A class left unused because a name meant for it is misspelled is that error's consequence, not news.
  if (!unknownNamed) reportUnused(reporter, names, new Set(classOf.values()), defaultClass);
  const anonymousKey = section.anonymous_key;
  return {
    spec: {
      classes,
      ...(anonymousKey === undefined
        ? {}
        : {
            anonymousKey: anonymousKey.startsWith('header:')
              ? { header: anonymousKey.slice('header:'.length).toLowerCase() }
              : (anonymousKey as 'address' | 'shared'),
          }),
      ...(section.max_buckets === undefined ? {} : { maxBuckets: section.max_buckets }),
    },
    classOf,
  };
}

/** The classes of `budgets:`, in the order written (the schema checked each one's shape). */
function budgetClasses(section: BudgetsSection): Record<string, BudgetClassSpec> {
  return Object.fromEntries(
    Object.entries(section)
      .filter(([key]) => !SETTINGS.has(key))
      .map(([key, value]) => {
        const { rate, per } = value as BudgetClassSpec;
        return [key, { rate, per }];
      }),
  );
}

/** A class no call takes from is a budget its author believes holds: say that it holds nothing. */
function reportUnused(reporter: Reporter, names: readonly string[], used: ReadonlySet<string>, defaultClass: string | undefined): void {
  if (names.length === 0) {
    reporter.warning('MCPC_BUDGET_UNUSED', ['budgets'], 'budgets: declares no class, so no call is budgeted', {
      part: 'key',
      hint: 'declare a class, for example analytical: { rate: 100, per: minute }, and make it the default',
    });
    return;
  }
  for (const name of names) {
    if (used.has(name) || name === defaultClass) continue;
    reporter.warning('MCPC_BUDGET_UNUSED', ['budgets', name], `no tool or pipeline takes from budget class '${name}', so it limits nothing`, {
      part: 'key',
      hint: `name it in a tool's budget:, or make it budgets.default`,
    });
  }
}

function classList(names: readonly string[], wanted: string): string {
  if (names.length === 0) return ', which declares none';
  const suggestion = didYouMean(wanted, names);
  return suggestion === '' ? ` (its classes: ${names.join(', ')})` : suggestion;
}
