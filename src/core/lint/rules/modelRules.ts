// Rules only a linter that reads the models can have: a reported revision that drops or renames a table
// or column the models still map (the release that deploys it breaks), and one whose add_column or
// create_table disagrees with the model (the next autogenerate undoes it). Only the latest state counts:
// an operation that a later revision undoes or overrides is left alone, and so is everything when the
// models cannot be read for sure (no target_metadata, a table name only Python computes).
import * as path from 'node:path';
import { type ColumnType, columnType, typeDifference } from '../../models/columnTypes';
import {
  historyKey,
  historyOrder,
  type MigrationCall,
  parseMigration,
  readRevisionText,
} from '../../models/migrationOps';
import { columnNullable } from '../../models/modelColumns';
import type { ModelDiscovery } from '../../models/modelFiles';
import { type Problem, problem, type RelatedPlace } from '../../problems';
import { calleeName, stringValue, tokenizePython } from '../../python';
import type { RevisionSource } from '../../revisionFile';
import type { RevisionMap } from '../../revisionMap';
import type { LintRule } from '../rules';
import { describeCall } from './ruleInput';

export const MODEL_RULES: readonly LintRule[] = [
  {
    code: 'drops-mapped-table',
    severity: 'error',
    scope: 'revision',
    summary:
      'upgrade() drops or renames a table that the models still map: the release that deploys it queries a table that is gone',
  },
  {
    code: 'drops-mapped-column',
    severity: 'error',
    scope: 'revision',
    summary:
      'upgrade() drops or renames a column that the models still map: the release that deploys it reads a column that is gone',
  },
  {
    code: 'differs-from-model',
    severity: 'warning',
    scope: 'revision',
    summary:
      'add_column or create_table disagrees with the model (nullability, type, length): the next autogenerate undoes it',
  },
];

export interface ModelRuleInput {
  graph: RevisionMap;
  /** The models of target_metadata; undefined when they were not read. */
  discovery?: ModelDiscovery;
  /** Paths in messages are shown relative to this folder (the project's). */
  baseDir: string;
  /** Reads a revision file; default: the file system, decoded as Python does. */
  readFile?: (file: string) => string | undefined;
  /** The revisions reported on; default: every one. */
  includeRevision?: (source: RevisionSource) => boolean;
}

interface MappedColumn {
  className: string;
  attribute?: string;
  path: string;
  line: number;
  nullable?: boolean;
  type?: ColumnType;
}

interface MappedTable {
  className: string;
  path: string;
  line: number;
  columns: Map<string, MappedColumn>;
}

interface Step {
  source: RevisionSource;
  revision: string;
  op: MigrationCall;
}

/** The operations that change a column (an index or a constraint on it does not). */
const COLUMN_CHANGES = new Set(['add_column', 'drop_column', 'alter_column']);

const opsCache = new WeakMap<RevisionSource, MigrationCall[]>();

/** The findings of the model rules, before severities and suppressions. */
export function modelRuleFindings(input: ModelRuleInput): Problem[] {
  const tables = mappedTables(input.discovery);
  if (!tables) return [];
  const steps = historySteps(input);
  const found: Problem[] = [];
  const shown = (file: string): string => {
    const rel = path.relative(input.baseDir, file);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
  };
  const report = (code: string, step: Step, message: string, at: { path: string; line: number }, what: string) => {
    // The model's place goes where the message says {model}.
    const where = `${shown(at.path)}:${at.line}`;
    const related: RelatedPlace[] = [{ path: at.path, line: at.line, message: what }];
    const rule = MODEL_RULES.find((r) => r.code === code);
    found.push({
      ...problem(rule?.severity ?? 'warning', code, message.replace('{model}', where), step.source.path, step.op.line),
      related,
    });
  };
  steps.forEach((step, index) => {
    if (input.includeRevision && !input.includeRevision(step.source)) return;
    const { op } = step;
    const key = historyKey(op.table, op.schema);
    const table = tables.get(key);
    if (!table) return;
    const later = steps.slice(index + 1);
    if ((op.op === 'drop_table' || (op.op === 'rename_table' && op.newName)) && !tableRestored(key, later)) {
      const change = op.op === 'drop_table' ? `drops the table '${op.table}'` : renamed('table', op);
      report(
        'drops-mapped-table',
        step,
        `${describeCall(op)} ${change}, which the models still map (class ${table.className}, {model}): ` +
          'the code released with this migration queries a table that no longer exists. ' +
          'Safe pattern (expand and contract): remove the model and every use of it first, ' +
          'and drop the table in a later migration; or, if the drop is meant, delete the model in the same change',
        table,
        `class ${table.className} maps '${op.table}'`,
      );
      return;
    }
    const dropsColumn = op.op === 'drop_column' || (op.op === 'alter_column' && op.newName);
    const column = op.column === undefined ? undefined : table.columns.get(op.column);
    if (dropsColumn && column && op.column && !columnRestored(key, op.column, later)) {
      const change = op.op === 'drop_column' ? `drops ${op.table}.${op.column}` : renamed('column', op);
      const attribute = `${column.className}.${column.attribute ?? op.column}`;
      report(
        'drops-mapped-column',
        step,
        `${describeCall(op)} ${change}, which the models still map (${attribute}, {model}): ` +
          'the code released with this migration reads and writes a column that no longer exists. ' +
          'Safe pattern (expand and contract): remove the attribute from the model and stop using it first, ' +
          'and drop the column in a later migration; or, if the change is meant, update the model in the same change',
        column,
        `${attribute} maps ${op.table}.${op.column}`,
      );
      return;
    }
    if (op.op === 'add_column' || op.op === 'create_table') {
      for (const created of createdColumns(op)) {
        const mapped = table.columns.get(created.name);
        if (!mapped || touchedLater(key, created.name, later)) continue;
        const why = disagreement(mapped, created);
        if (!why) continue;
        const attribute = `${mapped.className}.${mapped.attribute ?? created.name}`;
        report(
          'differs-from-model',
          step,
          `${describeCall(op)} creates ${op.table}.${created.name} unlike the model ${attribute} ({model}): ${why}. ` +
            'The next `alembic revision --autogenerate` compares the database with the model and emits an ' +
            'alter_column that undoes this (types: with compare_type, the default since Alembic 1.12). ' +
            'Safe pattern: make the migration say what the model says, or change the model',
          mapped,
          `${attribute} is declared here`,
        );
      }
    }
  });
  return found;
}

function renamed(what: 'table' | 'column', op: MigrationCall): string {
  const old = what === 'table' ? `the table '${op.table}'` : `${op.table}.${op.column}`;
  return `renames ${old} to '${op.newName}'`;
}

/** The tables the models of target_metadata map, by historyKey; undefined when the models cannot be trusted. */
function mappedTables(discovery: ModelDiscovery | undefined): Map<string, MappedTable> | undefined {
  const metadata = discovery?.metadata;
  if (!discovery || !metadata || metadata.expression === 'None' || !discovery.files.length) return undefined;
  const tables = new Map<string, MappedTable>();
  for (const file of discovery.files) {
    for (const cls of file.classes) {
      if (cls.tableName === undefined) continue;
      const key = historyKey(cls.tableName, cls.schema);
      let table = tables.get(key);
      if (!table)
        tables.set(key, (table = { className: cls.name, path: file.path, line: cls.line, columns: new Map() }));
      for (const c of cls.columns) {
        if (table.columns.has(c.name)) continue;
        const mapped: MappedColumn = { className: cls.name, path: c.path ?? file.path, line: c.line };
        if (c.attribute) mapped.attribute = c.attribute;
        if (c.nullable !== undefined) mapped.nullable = c.nullable;
        if (c.type) mapped.type = c.type;
        table.columns.set(c.name, mapped);
      }
    }
  }
  return tables;
}

/** Every upgrade() operation of the history, oldest revision first, in source order within one. */
function historySteps(input: ModelRuleInput): Step[] {
  const steps: Step[] = [];
  for (const rev of historyOrder(input.graph)) {
    let ops = input.readFile ? undefined : opsCache.get(rev.source);
    if (!ops) {
      const text = (input.readFile ?? readRevisionText)(rev.source.path);
      ops = text === undefined ? [] : (parseMigration(tokenizePython(text)).upgrade?.ops ?? []);
      if (!input.readFile) opsCache.set(rev.source, ops);
    }
    for (const op of ops) steps.push({ source: rev.source, revision: rev.id, op });
  }
  return steps;
}

/** A later operation gives the name back: the table is created again, or another one renamed to it. */
function tableRestored(key: string, later: Step[]): boolean {
  return later.some(({ op }) => {
    if (op.op === 'create_table') return historyKey(op.table, op.schema) === key;
    return op.op === 'rename_table' && !!op.newName && historyKey(op.newName, op.schema) === key;
  });
}

/** A later operation gives the column back (or the whole table, which the reader does not replay). */
function columnRestored(key: string, column: string, later: Step[]): boolean {
  return later.some(({ op }) => {
    if (op.op === 'rename_table') return !!op.newName && historyKey(op.newName, op.schema) === key;
    if (historyKey(op.table, op.schema) !== key) return false;
    if (op.op === 'create_table') return true;
    if (op.op === 'add_column') return op.column === column || op.column === undefined;
    return op.op === 'alter_column' && op.newName === column;
  });
}

/** Any later operation on the column or its table's name: the column's latest state is not this one's. */
function touchedLater(key: string, column: string, later: Step[]): boolean {
  return later.some(({ op: other }) => {
    if (other.op === 'rename_table' && other.newName && historyKey(other.newName, other.schema) === key) return true;
    if (historyKey(other.table, other.schema) !== key) return false;
    if (other.op === 'drop_table' || other.op === 'create_table' || other.op === 'rename_table') return true;
    if (!COLUMN_CHANGES.has(other.op)) return false;
    return other.column === column || other.newName === column || other.column === undefined;
  });
}

interface CreatedColumn {
  name: string;
  nullable?: boolean;
  type?: ColumnType;
}

/** The `Column(...)` calls of an add_column or create_table whose name is a literal. */
function createdColumns(op: MigrationCall): CreatedColumn[] {
  const calls = op.op === 'add_column' ? [op.arg('column')] : op.call.args.slice(1);
  const out: CreatedColumn[] = [];
  for (const call of calls) {
    if (call?.k !== 'call' || calleeName(call) !== 'Column') continue;
    const name = stringValue(call.args[0]);
    if (name === undefined) continue;
    out.push({ name, nullable: columnNullable(call), type: columnType(call) });
  }
  return out;
}

/** Nullability and type, where both sides say. */
function disagreement(model: MappedColumn, revision: CreatedColumn): string | undefined {
  const reasons: string[] = [];
  if (model.nullable !== undefined && revision.nullable !== undefined && model.nullable !== revision.nullable) {
    const word = (nullable: boolean): string => (nullable ? 'nullable' : 'NOT NULL');
    reasons.push(`${word(model.nullable)} in the model, ${word(revision.nullable)} in the revision`);
  }
  const type = model.type && revision.type ? typeDifference(model.type, revision.type) : undefined;
  if (type) reasons.push(type);
  return reasons.length ? reasons.join('; ') : undefined;
}
