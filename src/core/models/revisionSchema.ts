// What the revisions create, read without running them: the upgrade() table operations of every
// revision, replayed in history order, give the tables and columns a database at the heads has. Where
// the replay cannot be sure (raw SQL, names only Python computes, helper functions that run the
// operations), it says so: for some tables, or for the whole history.
import { calleeName, leadingTokens, type PyExpr, type PyLine, type PySource, stringValues } from '../python';
import type { RevisionRecords } from '../revisionRecord';
import { type MigrationCall, type MigrationFunction, primaryKeyConstraintNames, type TableOp } from './migrationOps';
import { columnNullable } from './modelColumns';
import { historyKey, historyOrder } from './tableHistory';

export interface SchemaPlace {
  revision: string;
  path: string;
  line: number;
}

export interface RevisionColumn extends SchemaPlace {
  /** When the revisions say: `nullable=` or `primary_key=True`, a PrimaryKeyConstraint, alter_column(nullable=). */
  nullable?: boolean;
}

export interface RevisionTable {
  table: string;
  schema?: string;
  /** The create_table (or rename_table) that gave the table its current name. */
  created: SchemaPlace;
  /** Each column with the operation that created it (or gave it its name). */
  columns: Map<string, RevisionColumn>;
  /** Some column only Python can name: a create_table argument, an add_column of a computed column. */
  columnsUnsure: boolean;
}

export interface RevisionSchema {
  /** By historyKey: `schema.table`, or the bare name. */
  tables: Map<string, RevisionTable>;
  /** Lower-case names nothing can be claimed about: words of raw DDL, tables altered but never created. */
  unsureNames: Set<string>;
  /** Why nothing about the history can be claimed (`file:line: reason`), when so. */
  unsure?: string;
}

/** One schema operation of upgrade(), reduced to what the replay needs (no parsed call is kept). */
export interface SchemaStep {
  op: TableOp;
  /** create_table: each column's nullability in op.columns order (undefined: not said); add_column: the column's. */
  nullable?: Array<boolean | undefined>;
  /** create_table whose column list the reader cannot complete. */
  open?: boolean;
  /** alter_column with a new_column_name argument. */
  renames?: boolean;
  /** alter_column's nullable=: the literal, null when only Python can tell; absent when not given. */
  setsNullable?: boolean | null;
}

/** What one revision file contributes to the schema, derived when its record is built. */
export interface SchemaFacts {
  steps: SchemaStep[];
  /** Words of string literals that look like DDL (raw SQL): nothing is claimed about those names. */
  ddlWords: string[];
  /** Some DDL is filled in when it runs (`f'ALTER TABLE "{table}" ...'`): any table may be the one it names. */
  dynamicDdl?: boolean;
  /** Why nothing about the history can be claimed, when so (`file:line: reason`). */
  unsure?: string;
}

/** The operations that create, rename or remove tables and columns. */
const SCHEMA_OPS = new Set(['create_table', 'drop_table', 'rename_table', 'add_column', 'drop_column', 'alter_column']);
/** create_table arguments that are not columns. */
const TABLE_ITEMS = new Set([
  'PrimaryKeyConstraint',
  'ForeignKeyConstraint',
  'UniqueConstraint',
  'CheckConstraint',
  'Index',
]);
const DDL = /\b(create|alter|drop|rename)\b/i;
/** A %-format directive: a value goes into the SQL when it runs. */
const PERCENT_FIELD = /%(\([^)]*\))?[sdr]/;
/** A replacement field of an f-string or of str.format (`'{}'` alone is also a JSON or array literal). */
const FORMAT_FIELD = /\{[^{}]*\}/;

/**
 * The tables and columns the project's revisions create. Kept by the project (see Project.derived)
 * until a revision file or the graph changes.
 */
export function revisionSchema(project: RevisionRecords): RevisionSchema {
  return project.derived('revisionSchema', () => replayHistory(project));
}

function replayHistory(project: RevisionRecords): RevisionSchema {
  const schema: RevisionSchema = { tables: new Map(), unsureNames: new Set() };
  for (const rev of historyOrder(project.graph)) {
    const facts = project.revisionRecord(rev.source)?.schema ?? {
      steps: [],
      ddlWords: [],
      unsure: `${rev.source.path}: cannot be read`,
    };
    schema.unsure ??= facts.unsure;
    for (const word of facts.ddlWords) schema.unsureNames.add(word);
    for (const step of facts.steps) {
      replay(schema, step, { revision: rev.id, path: rev.source.path, line: step.op.line });
    }
  }
  return schema;
}

function replay(schema: RevisionSchema, step: SchemaStep, place: SchemaPlace): void {
  const op = step.op;
  const key = historyKey(op.table, op.schema);
  const table = schema.tables.get(key);
  switch (op.op) {
    case 'create_table': {
      const columns = new Map<string, RevisionColumn>();
      (op.columns ?? []).forEach((name, i) => columns.set(name, withNullable(place, step.nullable?.[i])));
      const table: RevisionTable = { table: op.table, created: place, columns, columnsUnsure: !!step.open };
      if (op.schema) table.schema = op.schema;
      schema.tables.set(key, table);
      return;
    }
    case 'drop_table':
      schema.tables.delete(key);
      return;
    case 'rename_table':
      schema.tables.delete(key);
      if (!op.newName) schema.unsure ??= `${place.path}:${place.line}: rename_table to a name only Python can compute`;
      else if (!table) schema.unsureNames.add(op.newName.toLowerCase());
      else schema.tables.set(historyKey(op.newName, op.schema), { ...table, table: op.newName, created: place });
      return;
    default:
      break;
  }
  if (!table) {
    // A table the revisions alter but never create (made by raw SQL, or before Alembic): nothing to claim.
    schema.unsureNames.add(op.table.toLowerCase());
    return;
  }
  if (op.op === 'add_column') {
    if (op.column) table.columns.set(op.column, withNullable(place, step.nullable?.[0]));
    else table.columnsUnsure = true;
  } else if (op.op === 'drop_column') {
    if (op.column) table.columns.delete(op.column);
    else table.columnsUnsure = true;
  } else if (op.op === 'alter_column') {
    alterColumn(table, step, place);
  }
}

/** alter_column: a new name, a new nullability. */
function alterColumn(table: RevisionTable, step: SchemaStep, place: SchemaPlace): void {
  const op = step.op;
  const column = op.column === undefined ? undefined : table.columns.get(op.column);
  if (step.renames) {
    if (!op.column || !op.newName) {
      table.columnsUnsure = true;
      return;
    }
    table.columns.delete(op.column);
    table.columns.set(op.newName, { ...column, ...place });
  }
  const target = table.columns.get(op.newName ?? op.column ?? '');
  if (step.setsNullable === undefined || !target) return;
  if (step.setsNullable === null) delete target.nullable;
  else target.nullable = step.setsNullable;
}

/** create_table's columns' nullability, NOT NULL where a PrimaryKeyConstraint lists them and they say nothing else. */
function createdNullability(op: MigrationCall): Array<boolean | undefined> | undefined {
  const args = op.call.args.slice(1).filter((a): a is PyExpr & { k: 'call' } => a.k === 'call');
  const primaryKey = primaryKeyConstraintNames(args).names;
  // op.columns has the names (constants and op.f() resolved); the calls, in the same order when all resolved.
  const calls = args.filter((a) => calleeName(a) === 'Column');
  const names = op.columns ?? [];
  if (calls.length !== names.length) return undefined;
  return names.map((name, i) => columnNullable(calls[i]) ?? (primaryKey.has(name) ? false : undefined));
}

function withNullable(place: SchemaPlace, nullable: boolean | undefined): RevisionColumn {
  return nullable === undefined ? { ...place } : { ...place, nullable };
}

/** The line holds an f-string or calls `.format`: its braces are fields filled in at run time. */
function formatsText(line: PyLine): boolean {
  return line.tokens.some(
    (tk) => (tk.t === 'str' && tk.prefix.includes('f')) || (tk.t === 'name' && tk.v === 'format'),
  );
}

/** What a revision file contributes to the schema: read from its tokens and its parsed upgrade(). */
export function schemaFacts(file: string, source: PySource, upgrade: MigrationFunction | undefined): SchemaFacts {
  const facts: SchemaFacts = { steps: [], ddlWords: [] };
  if (source.error) facts.unsure = `${file}:${source.error.line}: ${source.error.message}`;
  // Words of string literals that look like DDL (op.execute, conn.execute(text(...))), the module's
  // docstring (the message) excepted.
  const first = source.lines[0];
  const docstring = first && first.indent === 0 && first.tokens.every((tk) => tk.t === 'str') ? first : undefined;
  for (const line of source.lines) {
    if (line === docstring) continue;
    for (const value of stringValues(line)) {
      if (!DDL.test(value)) continue;
      if (PERCENT_FIELD.test(value) || (FORMAT_FIELD.test(value) && formatsText(line))) facts.dynamicDdl = true;
      facts.ddlWords.push(...(value.match(/[A-Za-z_][\w$]*/g) ?? []).map((w) => w.toLowerCase()));
    }
  }
  facts.unsure ??= helperWithOps(file, source.lines);
  if (!upgrade) return facts;
  const unresolved = upgrade.unresolved.find((u) => SCHEMA_OPS.has(u.op));
  if (unresolved) {
    facts.unsure ??= `${file}:${unresolved.line}: op.${unresolved.op} on a table whose name only Python can compute`;
  }
  const computed = upgrade.executes.find((e) => e.sql === undefined);
  if (computed) facts.unsure ??= `${file}:${computed.line}: op.execute with SQL only Python can compute`;
  for (const op of upgrade.ops) if (SCHEMA_OPS.has(op.op)) facts.steps.push(schemaStep(op));
  return facts;
}

function schemaStep(call: MigrationCall): SchemaStep {
  const { call: _call, arg: _arg, ...op } = call;
  const step: SchemaStep = { op };
  if (op.op === 'create_table') {
    step.nullable = createdNullability(call);
    if (!columnsReadable(call)) step.open = true;
  } else if (op.op === 'add_column') {
    step.nullable = [columnNullable(call.arg('column'))];
  } else if (op.op === 'alter_column') {
    if (call.arg('new_column_name')) step.renames = true;
    const nullable = call.arg('nullable');
    if (nullable) {
      const literal = nullable.k === 'const' && (nullable.value === 'True' || nullable.value === 'False');
      step.setsNullable = literal ? nullable.value === 'True' : null;
    }
  }
  return step;
}

/** A create_table whose every positional argument after the name is a named Column or a constraint. */
function columnsReadable(op: MigrationCall): boolean {
  let columnCalls = 0;
  for (const arg of op.call.args.slice(1)) {
    const callee = arg.k === 'call' ? calleeName(arg) : undefined;
    if (callee === 'Column') columnCalls++;
    else if (!callee || !TABLE_ITEMS.has(callee)) return false;
  }
  return columnCalls === (op.columns ?? []).length;
}

/** A module-level function other than upgrade()/downgrade() that calls op.*: operations the replay does not see. */
function helperWithOps(file: string, lines: PySource['lines']): string | undefined {
  let helper: { name: string; line: number } | undefined;
  for (const line of lines) {
    if (line.indent === 0) {
      const [a, b, c] = leadingTokens(line, 3);
      const name = a?.v === 'def' ? b?.v : a?.v === 'async' && b?.v === 'def' ? c?.v : undefined;
      helper = name !== undefined && !/^(upgrade|downgrade)(_\w+)?$/.test(name) ? { name, line: line.line } : undefined;
      continue;
    }
    if (!helper) continue;
    const tokens = line.tokens;
    const callsOp = tokens.some((tk, i) => {
      const called = tokens[i + 2]?.v ?? '';
      const isOp = tk.t === 'name' && tk.v === 'op' && tokens[i + 1]?.v === '.';
      return isOp && (SCHEMA_OPS.has(called) || called === 'batch_alter_table');
    });
    if (callsOp) return `${file}:${helper.line}: ${helper.name}() runs table operations the reader does not follow`;
  }
  return undefined;
}
