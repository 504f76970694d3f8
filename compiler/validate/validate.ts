import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { DocPath } from '../diagnostics/diagnostic.js';
import { formatDocPath } from '../diagnostics/diagnostic.js';
import { Reporter } from '../diagnostics/reporter.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type { SourceDocument } from '../parse/source-document.js';
import { pipelineSchemaPath } from '../paths.js';
import type { PipelineFile } from './pipeline-file.js';

type JsonSchema = Record<string, unknown>;

const schema = JSON.parse(readFileSync(pipelineSchemaPath, 'utf8')) as JsonSchema;
let compiled: ValidateFunction | undefined;

/** The schema validator, compiled once per process on first use. */
function validator(): ValidateFunction {
  compiled ??= new Ajv2020({ allErrors: true, verbose: true, discriminator: true, strict: true, strictRequired: false }).compile(schema);
  return compiled;
}

export interface ValidateResult {
  /** The document's value, typed, when it satisfies the schema. */
  file?: PipelineFile;
  reporter: Reporter;
}

/** Checks a parsed document against the pipeline JSON Schema; each violation becomes a diagnostic at its line. */
export function validateDocument(doc: SourceDocument): ValidateResult {
  const reporter = new Reporter(doc);
  const validate = validator();
  if (validate(doc.value)) return { file: doc.value as PipelineFile, reporter };

  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    const mapped = describeError(error, doc.value);
    if (!mapped) continue;
    const key = `${mapped.code}|${formatDocPath(mapped.path)}|${mapped.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    reporter.error(mapped.code, mapped.path, mapped.message, { part: mapped.part, ...(mapped.hint ? { hint: mapped.hint } : {}) });
  }
  return { reporter };
}

interface MappedError {
  code: Parameters<Reporter['error']>[0];
  path: DocPath;
  part: 'key' | 'value';
  message: string;
  hint?: string;
}

function describeError(error: ErrorObject, root: unknown): MappedError | undefined {
  const path = toDocPath(error.instancePath, root);
  const where = formatDocPath(path);
  const parent = (error.parentSchema ?? {}) as JsonSchema;
  const params = error.params as Record<string, unknown>;

  // A name that breaks a `propertyNames` rule: ajv reports the inner failure with the offending name.
  if (typeof error.propertyName === 'string') {
    const name = error.propertyName;
    const rule = typeof parent.description === 'string' ? `: ${lowerFirst(parent.description)}` : '';
    return { code: 'MCPC_SCHEMA_INVALID_NAME', path: [...path, name], part: 'key', message: `'${name}' is not a valid name in ${where}${rule}` };
  }

  switch (error.keyword) {
    case 'propertyNames':
      return undefined; // reported through the inner error above
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((parent.properties as JsonSchema | undefined) ?? {});
      const container = path.length === 0 ? 'at the top level' : `in ${where}`;
      const suggestion = didYouMean(key, known);
      const allowed = suggestion === '' && known.length > 0 && known.length <= 12 ? `; allowed keys: ${known.join(', ')}` : '';
      return { code: 'MCPC_SCHEMA_UNKNOWN_KEY', path: [...path, key], part: 'key', message: `unknown key '${key}' ${container}${suggestion}${allowed}` };
    }
    case 'required': {
      const missing = String(params.missingProperty);
      const owner = path.length === 0 ? 'the file' : where;
      return { code: 'MCPC_SCHEMA_MISSING_KEY', path, part: 'key', message: `${owner} is missing required key '${missing}'` };
    }
    case 'type': {
      const expected = String(params.type);
      const hint = path.at(-1) === 'version' && typeof error.data === 'number' ? 'quote the version in YAML, for example version: "1.2.0"' : undefined;
      return {
        code: 'MCPC_SCHEMA_WRONG_TYPE',
        path,
        part: 'value',
        message: `${where} must be ${withArticle(expected)}, not ${describeValue(error.data)}`,
        ...(hint ? { hint } : {}),
      };
    }
    case 'enum':
    case 'const': {
      const allowed = error.keyword === 'enum' ? (params.allowedValues as unknown[]) : [params.allowedValue];
      const suggestion = typeof error.data === 'string' ? didYouMean(error.data, allowed.map(String)) : '';
      return {
        code: 'MCPC_SCHEMA_NOT_ALLOWED',
        path,
        part: 'value',
        message: `${where} must be ${oneOf(allowed)}, not ${describeValue(error.data)}${suggestion}`,
      };
    }
    case 'discriminator': {
      const kindPath = [...path, String(params.tag)];
      const kinds = discriminatorValues(parent);
      const tagValue = params.tagValue;
      if (params.error === 'mapping' && typeof tagValue === 'string') {
        return {
          code: 'MCPC_SCHEMA_NOT_ALLOWED',
          path: kindPath,
          part: 'value',
          message: `${formatDocPath(kindPath)} must be ${oneOf(kinds)}, not '${tagValue}'${didYouMean(tagValue, kinds)}`,
        };
      }
      return { code: 'MCPC_SCHEMA_WRONG_TYPE', path: kindPath, part: 'value', message: `${formatDocPath(kindPath)} must be ${oneOf(kinds)}` };
    }
    case 'pattern': {
      const rule = typeof parent.description === 'string' ? parent.description : `it must match ${String(params.pattern)}`;
      return { code: 'MCPC_SCHEMA_INVALID', path, part: 'value', message: `${where} is not valid (${describeValue(error.data)}): ${lowerFirst(rule)}` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {
        code: 'MCPC_SCHEMA_OUT_OF_RANGE',
        path,
        part: 'value',
        message: `${where} must be ${String(params.comparison)} ${String(params.limit)}, not ${describeValue(error.data)}`,
      };
    case 'minLength':
      return params.limit === 1
        ? { code: 'MCPC_SCHEMA_OUT_OF_RANGE', path, part: 'value', message: `${where} must not be empty` }
        : { code: 'MCPC_SCHEMA_OUT_OF_RANGE', path, part: 'value', message: `${where} must be at least ${String(params.limit)} characters long` };
    case 'minProperties':
      return {
        code: 'MCPC_SCHEMA_OUT_OF_RANGE',
        path,
        part: 'key',
        message: `${where} must have at least ${String(params.limit)} ${params.limit === 1 ? 'entry' : 'entries'}`,
      };
    case 'minItems':
      return {
        code: 'MCPC_SCHEMA_OUT_OF_RANGE',
        path,
        part: 'value',
        message: `${where} must have at least ${String(params.limit)} ${params.limit === 1 ? 'item' : 'items'}`,
      };
    case 'uniqueItems':
      return {
        code: 'MCPC_SCHEMA_INVALID',
        path,
        part: 'value',
        message: `${where} lists the same entry twice (items ${String(params.j)} and ${String(params.i)})`,
      };
    case 'oneOf': {
      // No branch matched: the failing branch reports the specific problem. More than one
      // matched: nothing else reports it, so say which keys exclude each other.
      const passing = params.passingSchemas as number[] | null | undefined;
      if (!passing) return undefined;
      const keys = ((error.schema ?? []) as JsonSchema[]).flatMap((branch) => (branch.required as string[] | undefined) ?? []);
      return {
        code: 'MCPC_SCHEMA_INVALID',
        path,
        part: 'key',
        message: keys.length > 0 ? `${where} takes exactly one of ${keys.join(', ')}, not several` : `${where} matches more than one of its allowed forms`,
      };
    }
    case 'anyOf':
    case 'if':
      return undefined; // the failing branch reports the specific problem
    default:
      return { code: 'MCPC_SCHEMA_INVALID', path, part: 'value', message: `${where} ${error.message ?? 'is invalid'}` };
  }
}

/** Turns ajv's JSON pointer into keys and array indexes by walking the actual value. */
function toDocPath(pointer: string, root: unknown): DocPath {
  if (pointer === '') return [];
  const out: Array<string | number> = [];
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = Number(segment);
      out.push(index);
      node = node[index];
    } else {
      out.push(segment);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  return out;
}

/** The `const` values of a discriminated `oneOf`, resolving local `$ref`s. */
function discriminatorValues(parent: JsonSchema): string[] {
  const tag = ((parent.discriminator as JsonSchema | undefined)?.propertyName as string | undefined) ?? 'kind';
  const branches = (parent.oneOf as JsonSchema[] | undefined) ?? [];
  return branches.flatMap((branch) => {
    const resolved = typeof branch.$ref === 'string' ? resolveLocalRef(branch.$ref) : branch;
    const value = ((resolved?.properties as JsonSchema | undefined)?.[tag] as JsonSchema | undefined)?.const;
    return typeof value === 'string' ? [value] : [];
  });
}

function resolveLocalRef(ref: string): JsonSchema | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = schema;
  for (const part of ref.slice(2).split('/')) node = (node as JsonSchema | undefined)?.[part];
  return node as JsonSchema | undefined;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  return `${typeof value === 'number' && Number.isInteger(value) ? 'the integer' : `the ${typeof value}`} ${String(value)}`;
}

function withArticle(type: string): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'text',
    integer: 'an integer',
    number: 'a number',
    boolean: 'true or false',
    null: 'null',
  };
  return type
    .split(',')
    .map((t) => names[t] ?? t)
    .join(' or ');
}

function oneOf(values: readonly unknown[]): string {
  const shown = values.map((v) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v)));
  return shown.length === 1 ? shown[0]! : `one of ${shown.join(', ')}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
