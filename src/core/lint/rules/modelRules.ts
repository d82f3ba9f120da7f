// Rules only a linter that reads the models can have: a reported revision that drops or renames a table
// or column the models still map (the release that deploys it breaks), and one whose add_column or
// create_table disagrees with the model (the next autogenerate undoes it). Only the latest state counts:
// an operation that a later revision undoes or overrides is left alone, and so is everything when the
// models cannot be read for sure (no target_metadata, a table name only Python computes).
import * as path from 'node:path';
import { type ColumnType, columnType, typeDifference } from '../../models/columnTypes';
import { type MigrationCall, primaryKeyConstraintNames, type TableOp } from '../../models/migrationOps';
import { columnNullable } from '../../models/modelColumns';
import type { ModelDiscovery } from '../../models/modelFiles';
import { historyKey, historyOrder } from '../../models/tableHistory';
import { type Problem, problem, type RelatedPlace } from '../../problems';
import { calleeName, keyword, stringValue } from '../../python';
import type { RevisionSource } from '../../revisionFile';
import type { RevisionMap } from '../../revisionMap';
import type { RecordedOp, RevisionRecords } from '../../revisionRecord';
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
  /** Each revision's record (its upgrade() operations): the rules read no revision file themselves. */
  records: Pick<RevisionRecords, 'revisionRecord'>;
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
  op: RecordedOp;
}

/** The findings of the model rules, before severities and suppressions. */
export function modelRuleFindings(input: ModelRuleInput): Problem[] {
  const read = mappedTables(input.discovery);
  if (!read) return [];
  const tables: Map<string, MappedTable> = read;
  const revisions = historyRevisions(input);
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
  // Backwards through the history: `later` holds what the operations after the current one do.
  const later = new LaterOps();
  for (let r = revisions.length - 1; r >= 0; r--) {
    const { source, revision, ops, rawDdl } = revisions[r];
    // Raw SQL may do anything to the tables it names, before or after this revision's own operations.
    later.addRawDdl(rawDdl);
    for (let index = ops.length - 1; index >= 0; index--) {
      const step = { source, revision, op: ops[index] };
      if (!input.includeRevision || input.includeRevision(source)) lintStep(step, later);
      later.add(step.op);
    }
  }
  return found.reverse();

  function lintStep(step: Step, later: LaterOps): void {
    const { op } = step;
    const key = historyKey(op.table, op.schema);
    const table = tables.get(key);
    if (!table) return;
    if ((op.op === 'drop_table' || (op.op === 'rename_table' && op.newName)) && !later.tableRestored(key)) {
      const change = op.op === 'drop_table' ? `drops the table '${op.table}'` : renamed('table', op);
      report(
        'drops-mapped-table',
        step,
        `${describeCall(op)} ${change}, which the models still map (class ${table.className}, {model}): ` +
          'the code released with this migration queries a table that no longer exists. ' +
          'Safe pattern (expand and contract): remove the model and every use of it first, ' +
          'and drop the table in a later migration; or, if the drop is meant, delete the model in the same change.',
        table,
        `class ${table.className} maps '${op.table}'`,
      );
      return;
    }
    const dropsColumn = op.op === 'drop_column' || (op.op === 'alter_column' && op.newName);
    const column = op.column === undefined ? undefined : table.columns.get(op.column);
    if (dropsColumn && column && op.column && !later.columnRestored(key, op.column)) {
      const change = op.op === 'drop_column' ? `drops ${op.table}.${op.column}` : renamed('column', op);
      const attribute = `${column.className}.${column.attribute ?? op.column}`;
      report(
        'drops-mapped-column',
        step,
        `${describeCall(op)} ${change}, which the models still map (${attribute}, {model}): ` +
          'the code released with this migration reads and writes a column that no longer exists. ' +
          'Safe pattern (expand and contract): remove the attribute from the model and stop using it first, ' +
          'and drop the column in a later migration; or, if the change is meant, update the model in the same change.',
        column,
        `${attribute} maps ${op.table}.${op.column}`,
      );
      return;
    }
    if (op.op === 'add_column' || op.op === 'create_table') {
      for (const created of op.created ?? []) {
        const mapped = table.columns.get(created.name);
        if (!mapped || later.columnTouched(key, created.name)) continue;
        const why = disagreement(mapped, created);
        if (!why) continue;
        const attribute = `${mapped.className}.${mapped.attribute ?? created.name}`;
        report(
          'differs-from-model',
          step,
          `${describeCall(op)} creates ${op.table}.${created.name} unlike the model ${attribute} ({model}): ${why}. ` +
            'The next `alembic revision --autogenerate` compares the database with the model and emits an ' +
            'alter_column that undoes this (types: with compare_type, the default since Alembic 1.12). ' +
            'Safe pattern: make the migration say what the model says, or change the model.',
          mapped,
          `${attribute} is declared here`,
        );
      }
    }
  }
}

function renamed(what: 'table' | 'column', op: TableOp): string {
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

/**
 * Every revision of the history, oldest first, with its upgrade() operations in source order and the
 * words of the DDL its raw SQL holds (op.execute("ALTER TABLE tasks ADD COLUMN ...")).
 */
function historyRevisions(input: ModelRuleInput) {
  return historyOrder(input.graph).map((rev) => {
    const record = input.records.revisionRecord(rev.source);
    return {
      source: rev.source,
      revision: rev.id,
      ops: record?.upgradeOps ?? [],
      rawDdl: { words: record?.schema.ddlWords ?? [], dynamic: !!record?.schema.dynamicDdl },
    };
  });
}

/**
 * What the operations after a point of the history do to names, gathered walking it backwards: which
 * tables and columns they give back (created again, renamed to), and which columns they change at all.
 */
class LaterOps {
  private readonly restoredTables = new Set<string>();
  private readonly restoredColumns = new Set<string>();
  private readonly touchedColumns = new Set<string>();
  /** The words of later raw DDL (lowercase): a table they name may have been given back there. */
  private readonly rawDdl = new Set<string>();
  /** Later raw DDL names its table only when it runs: it may have given back any table. */
  private dynamicDdl = false;

  tableRestored(key: string): boolean {
    return this.restoredTables.has(key) || this.inRawDdl(key);
  }

  /** Given back, or the whole table is (the reader does not replay what a re-created table holds). */
  columnRestored(key: string, column: string): boolean {
    return (
      this.restoredColumns.has(columnKey(key, column)) || this.restoredColumns.has(columnKey(key)) || this.inRawDdl(key)
    );
  }

  columnTouched(key: string, column: string): boolean {
    return (
      this.touchedColumns.has(columnKey(key, column)) || this.touchedColumns.has(columnKey(key)) || this.inRawDdl(key)
    );
  }

  addRawDdl(ddl: { words: readonly string[]; dynamic: boolean }): void {
    for (const word of ddl.words) this.rawDdl.add(word);
    this.dynamicDdl ||= ddl.dynamic;
  }

  /** The table of `key` (schema.table) is named by later raw DDL, or may be. */
  private inRawDdl(key: string): boolean {
    return this.dynamicDdl || this.rawDdl.has(key.slice(key.lastIndexOf('.') + 1).toLowerCase());
  }

  add(op: TableOp): void {
    const key = historyKey(op.table, op.schema);
    const wholeTable = (table: string): void => {
      this.restoredTables.add(table);
      this.restoredColumns.add(columnKey(table));
      this.touchedColumns.add(columnKey(table));
    };
    switch (op.op) {
      case 'create_table':
        wholeTable(key);
        break;
      case 'rename_table':
        if (op.newName) wholeTable(historyKey(op.newName, op.schema));
        this.touchedColumns.add(columnKey(key));
        break;
      case 'drop_table':
        this.touchedColumns.add(columnKey(key));
        break;
      case 'add_column':
        this.restoredColumns.add(columnKey(key, op.column));
        this.touchedColumns.add(columnKey(key, op.column));
        break;
      case 'drop_column':
        this.touchedColumns.add(columnKey(key, op.column));
        break;
      case 'alter_column':
        this.touchedColumns.add(columnKey(key, op.column));
        if (op.newName) {
          this.restoredColumns.add(columnKey(key, op.newName));
          this.touchedColumns.add(columnKey(key, op.newName));
        }
        break;
      default:
        break;
    }
  }
}

/** A column of a table; without a name, any column of it (an operation whose column only Python knows). */
function columnKey(table: string, column?: string): string {
  return column === undefined ? `${table}\0*` : `${table}\0${column}`;
}

export interface CreatedColumn {
  name: string;
  nullable?: boolean;
  type?: ColumnType;
}

/**
 * The `Column(...)` calls of an add_column or create_table whose name is a literal (undefined for other
 * operations): what the revision record keeps of the call for these rules.
 */
export function createdColumns(op: MigrationCall): CreatedColumn[] | undefined {
  if (op.op !== 'add_column' && op.op !== 'create_table') return undefined;
  const calls = op.op === 'add_column' ? [op.arg('column')] : op.call.args.slice(1);
  const primaryKey = primaryKeyConstraintNames(calls);
  const keyColumns = primaryKey.allLiteral ? primaryKey.names : undefined;
  const out: CreatedColumn[] = [];
  for (const call of calls) {
    if (call?.k !== 'call' || calleeName(call) !== 'Column') continue;
    const name = stringValue(call.args[0]);
    if (name === undefined) continue;
    let nullable = columnNullable(call);
    // SQLAlchemy's default without nullable=: NULL allowed, unless the column is part of the primary key.
    if (nullable === undefined && !keyword(call, 'nullable') && keyColumns) nullable = !keyColumns.has(name);
    out.push({ name, nullable, type: columnType(call) });
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
