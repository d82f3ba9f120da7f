// What the statements of upgrade() run through `.execute(...)` (op.execute, connection.execute,
// op.get_bind().execute...): SQL read from its text (a literal, text("..."), an f-string's fixed parts),
// or SQLAlchemy's DML built in Python (sa.update(t), t.update().where(...).values(...), sa.insert, sa.delete).
// The rules that care whether rows were changed (a backfill before NOT NULL) or whether upgrade() changes
// the schema at all (empty-downgrade) read it from here.
import type { ParsedMigration } from '../../models/migrationOps';
import {
  calleeName,
  keyword,
  matchBrackets,
  type PyExpr,
  type PyToken,
  parseCallAt,
  readAssignments,
} from '../../python';
import type { StatementScopes } from './statementScopes';

/**
 * One statement an execute call runs: rows changed (`update`, `insert`, `delete`), rows read (`select`),
 * an enum value added (`enum-value`), a session setting (`setting`), anything else in SQL (`ddl`), or SQL
 * only Python knows (`unknown`).
 */
export type DataChangeKind = 'update' | 'insert' | 'delete' | 'select' | 'enum-value' | 'setting' | 'ddl' | 'unknown';

export interface DataChange {
  line: number;
  kind: DataChangeKind;
  /** The table, lower case, when the statement names it plainly. */
  table?: string;
  /** The statement's SQL, when read from text (an f-string's replacement fields as `{}`). */
  sql?: string;
  /** Every row goes: `DELETE FROM t` without WHERE, `TRUNCATE t`. */
  empties?: boolean;
}

export interface UpgradeExecutes {
  /** What each execute call of upgrade() runs, in source order; op.bulk_insert is an `insert`. */
  changes: DataChange[];
  /** Lines of upgrade() statements that call what this reader does not know (a helper function...). */
  unknownCalls: number[];
  /** The first line of each way a column's NULLs may be filled (filledBefore), made with the lists. */
  fills: FillLines;
}

/**
 * filledBefore's answers in constant time: a data migration may hold thousands of UPDATEs and of NOT NULL
 * changes, and scanning the UPDATEs for each change is quadratic. By table (lower case; undefined for a
 * table only Python knows): the first UPDATE or DELETE, the first without readable SQL, and the first
 * whose SQL holds each word. Plus the first statement that runs what no reader knows.
 */
interface FillLines {
  unknown: number;
  byTable: Map<string | undefined, { any: number; anyColumn: number; byWord: Map<string, number> }>;
  /** By table: the first statement that deletes every row. */
  emptied: Map<string, number>;
}

/** Words as mayFill's pattern delimits a column name: letters, digits, `_` and `$`. */
const WORD_DELIMITERS = /[^\w$]+/;

const EXECUTE = new Set(['execute', 'exec_driver_sql']);
/** Receivers of calls that change neither the schema nor rows. */
const HARMLESS = new Set(['print', 'logger', 'log', 'logging', 'LOG', 'LOGGER', 'warnings']);

/** The execute calls of upgrade(), and the statements that call something else this reader cannot follow. */
export function upgradeExecutes(scopes: StatementScopes, migration: ParsedMigration): UpgradeExecutes {
  const { tables, sqlNames } = nameAssignments(scopes);
  const changes: DataChange[] = [];
  const unknownCalls: number[] = [];
  for (const op of migration.upgrade?.ops ?? [])
    if (op.op === 'bulk_insert') changes.push({ line: op.line, kind: 'insert', table: op.table.toLowerCase() });
  for (const statement of scopes.upgradeStatements) {
    const tokens = statement.tokens;
    const brackets = matchBrackets(tokens);
    let executes = false;
    for (let i = 2; i < tokens.length; i++) {
      const tk = tokens[i];
      if (tk.t !== 'name' || !EXECUTE.has(tk.v) || tokens[i - 1].v !== '.' || tokens[i + 1]?.v !== '(') continue;
      const call = parseCallAt(tokens, i, brackets);
      if (call?.k !== 'call') continue;
      executes = true;
      const argument = call.args[0] ?? keyword(call, 'sqltext') ?? keyword(call, 'statement');
      changes.push(...classify(argument, tk.line, tables, sqlNames));
    }
    if (executes) continue;
    const other = otherStatement(tokens);
    if (other === 'unknown') unknownCalls.push(statement.line);
    else if (other) changes.push({ line: statement.line, kind: other });
  }
  return executesOf(changes, unknownCalls);
}

/** The execute calls' record from its two lists (sorted here), with its index of fills. */
export function executesOf(changes: DataChange[], unknownCalls: number[]): UpgradeExecutes {
  changes.sort((a, b) => a.line - b.line);
  return { changes, unknownCalls, fills: fillLines(changes, unknownCalls) };
}

function fillLines(changes: DataChange[], unknownCalls: number[]): FillLines {
  const fills: FillLines = { unknown: Number.POSITIVE_INFINITY, byTable: new Map(), emptied: new Map() };
  for (const at of unknownCalls) fills.unknown = Math.min(fills.unknown, at);
  // In order of lines: the first line noted for a key is the smallest.
  for (const change of changes) {
    if (change.kind === 'unknown') fills.unknown = Math.min(fills.unknown, change.line);
    if (change.kind !== 'update' && change.kind !== 'delete') continue;
    let table = fills.byTable.get(change.table);
    if (!table) {
      table = { any: change.line, anyColumn: Number.POSITIVE_INFINITY, byWord: new Map() };
      fills.byTable.set(change.table, table);
    }
    if (change.empties && change.table !== undefined && !fills.emptied.has(change.table))
      fills.emptied.set(change.table, change.line);
    if (change.sql === undefined || change.empties) table.anyColumn = Math.min(table.anyColumn, change.line);
    else
      for (const word of change.sql.toLowerCase().split(WORD_DELIMITERS))
        if (word && !table.byWord.has(word)) table.byWord.set(word, change.line);
  }
  return fills;
}

/**
 * Whether a change may fill the NULLs of `table.column` (lower case): an UPDATE, or a DELETE, of that table
 * (or of a table only Python knows) whose SQL names the column, or SQL only Python knows.
 */
export function mayFill(change: DataChange, table: string, column: string | undefined): boolean {
  if (change.kind === 'unknown') return true;
  if (change.kind !== 'update' && change.kind !== 'delete') return false;
  if (change.table !== undefined && change.table !== table.toLowerCase()) return false;
  if (change.sql === undefined || column === undefined || change.empties) return true;
  return new RegExp(`(^|[^\\w$])${column.replace(/[^\w]/g, '\\$&')}($|[^\\w$])`, 'i').test(change.sql);
}

/** A statement before `line` deletes every row of `table`: what fails on rows cannot fail there. */
export function emptiedBefore(runs: UpgradeExecutes, line: number, table: string): boolean {
  return (runs.fills.emptied.get(table.toLowerCase()) ?? Number.POSITIVE_INFINITY) < line;
}

/** A statement before `line` that may fill the NULLs of `table.column`, a helper function called before it included. */
export function filledBefore(runs: UpgradeExecutes, line: number, table: string, column: string | undefined): boolean {
  if (runs.fills.unknown < line) return true;
  // A column name mayFill's pattern reads otherwise than as one word (rare): each change is asked.
  if (column !== undefined && WORD_DELIMITERS.test(column)) {
    return runs.changes.some((c) => c.line < line && mayFill(c, table, column));
  }
  for (const fills of [runs.fills.byTable.get(table.toLowerCase()), runs.fills.byTable.get(undefined)]) {
    if (!fills) continue;
    const first =
      column === undefined ? fills.any : Math.min(fills.anyColumn, fills.byWord.get(column.toLowerCase()) ?? Infinity);
    if (first < line) return true;
  }
  return false;
}

/**
 * What names hold, read in one pass over the statements: tables (`users = sa.table("users", ...)`, lower
 * case) and SQL (`backfill = "UPDATE ..."` or `sa.text("...")`, for `conn.execute(sa.text(backfill))`). A
 * name bound to two different texts, or to anything else as well, holds no SQL for sure.
 */
function nameAssignments(scopes: StatementScopes): { tables: Map<string, string>; sqlNames: Map<string, string> } {
  const tables = new Map<string, string>();
  const sqlNames = new Map<string, string>();
  const unsure = new Set<string>();
  for (const statement of scopes.statements) {
    if (!statement.tokens.some((tk) => tk.t === 'op' && tk.v === '=')) continue;
    for (const a of readAssignments(statement.tokens)) {
      const name = a.value?.k === 'call' && /^[Tt]able$/.test(calleeName(a.value) ?? '') ? a.value.args[0] : undefined;
      if (name?.k === 'str') tables.set(a.target, name.value.toLowerCase());
      const text = a.value?.k === 'name' ? undefined : sqlText(a.value);
      if (text === undefined || (sqlNames.has(a.target) && sqlNames.get(a.target) !== text)) unsure.add(a.target);
      else sqlNames.set(a.target, text);
    }
  }
  for (const name of unsure) sqlNames.delete(name);
  return { tables, sqlNames };
}

const NOT_CALLS = new Set([
  'return',
  'pass',
  'raise',
  'assert',
  'del',
  'global',
  'nonlocal',
  'import',
  'from',
  'break',
  'continue',
  // Compound statements: only their bodies are read.
  'if',
  'elif',
  'else',
  'for',
  'while',
  'with',
  'async',
  'try',
  'except',
  'finally',
  'def',
  'class',
  'match',
  'case',
]);

/**
 * An expression statement that is no execute call: rows changed through an ORM session
 * (`session.add(...)`, `session.query(X).filter(...).update(...)`, `session.commit()`), nothing (`print`,
 * `logger.info`, an `op.*` call, an assignment), schema objects created or dropped (`sa.Enum(...).create(bind)`:
 * `ddl`), or a call this reader cannot follow (`unknown`).
 */
function otherStatement(tokens: readonly PyToken[]): DataChangeKind | 'unknown' | undefined {
  const first = tokens[0];
  if (first?.t !== 'name' || NOT_CALLS.has(first.v) || first.v === 'op' || HARMLESS.has(first.v)) return undefined;
  let depth = 0;
  let calls = false;
  // The method chain of the statement itself (`a.b(...).c(...)`), not the names inside its arguments.
  const methods: string[] = [];
  let lastMethod = -1;
  for (let i = 0; i < tokens.length; i++) {
    const tk = tokens[i];
    if (tk.t === 'name' && depth === 0 && tokens[i - 1]?.v === '.') {
      methods.push(tk.v);
      lastMethod = i;
    }
    if (tk.t !== 'op') continue;
    if (tk.v === '(' || tk.v === '[' || tk.v === '{') {
      calls ||= tk.v === '(';
      depth++;
    } else if (tk.v === ')' || tk.v === ']' || tk.v === '}') depth--;
    // An assignment (`bind = op.get_bind()`, `rows += ...`): what it calls is read for its value.
    else if (depth === 0 && /^(=|[-+*/%&|^@]=|\/\/=|\*\*=|<<=|>>=|:=)$/.test(tk.v)) return undefined;
  }
  if (!calls) return undefined;
  const last = methods[methods.length - 1] ?? '';
  if (methods.includes('query') && (last === 'update' || last === 'delete')) return last;
  if (/^(add|add_all|merge|bulk_save_objects|bulk_insert_mappings)$/.test(last)) return 'insert';
  if (last === 'bulk_update_mappings') return 'update';
  // ORM objects changed in Python (`user.slug = ...`) reach the database when the session commits.
  if (last === 'commit' || last === 'flush') return 'update';
  if (/^(close|expunge_all|rollback)$/.test(last)) return undefined;
  // `User.create(name="x")` (peewee, ORM helpers): a row, by its column keywords.
  if (last === 'create') {
    const call = parseCallAt(tokens, lastMethod, matchBrackets(tokens));
    if (call?.k === 'call' && call.kwargs.some((kw) => !SCHEMA_KEYWORDS.has(kw.name))) return 'insert';
  }
  // `sa.Enum(...).create(bind)`, `table.drop(bind)`, `metadata.create_all(bind)`: schema.
  if (/^(create|drop|create_all|drop_all)$/.test(last)) return 'ddl';
  return 'unknown';
}

/** The keywords `create()` / `drop()` take in SQLAlchemy: a call with others is no schema object's. */
const SCHEMA_KEYWORDS = new Set(['bind', 'checkfirst']);

/** What the argument of an execute call runs. */
function classify(
  argument: PyExpr | undefined,
  line: number,
  tables: Map<string, string>,
  sqlNames: Map<string, string>,
): DataChange[] {
  const sql = sqlText(argument, sqlNames);
  if (sql !== undefined)
    return splitStatements(sql).map((statement) => {
      const change: DataChange = { line, ...sqlKind(statement), sql: statement };
      if (change.kind === 'delete' && (TRUNCATE.test(statement) || !/\bwhere\b/i.test(statement)))
        change.empties = true;
      return change;
    });
  const dml = dmlOf(argument, tables);
  return [dml ? { line, ...dml } : { line, kind: 'unknown' }];
}

/**
 * The SQL of a string, `text("...")` (with any methods called on it), an f-string's fixed parts, or a
 * name `sqlNames` says holds one.
 */
function sqlText(expr: PyExpr | undefined, sqlNames?: ReadonlyMap<string, string>): string | undefined {
  if (!expr) return undefined;
  if (expr.k === 'str') return expr.value;
  if (expr.k === 'fstr') return expr.parts.map((part) => (typeof part === 'string' ? part : '{}')).join('');
  if (expr.k === 'name') return sqlNames?.get(expr.id);
  if (expr.k !== 'call') return undefined;
  if (calleeName(expr) === 'text') return sqlText(expr.args[0] ?? keyword(expr, 'text'), sqlNames);
  // `sa.text("...").bindparams(...)`
  return expr.func.k === 'attr' && expr.func.obj.k === 'call' && calleeName(expr.func.obj) === 'text'
    ? sqlText(expr.func.obj, sqlNames)
    : undefined;
}

/** The statements of a SQL string (a `;` inside a literal splits it too: the piece reads as `ddl`, the cautious side). */
function splitStatements(sql: string): string[] {
  const withoutComments = sql.replace(/--[^\n]*/g, ' ');
  return withoutComments
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

const NAME = String.raw`((?:"[^"]+"|[\w$]+)(?:\s*\.\s*(?:"[^"]+"|[\w$]+))?|\{\})`;
const UPDATE = new RegExp(String.raw`^update\s+(?:only\s+)?${NAME}`, 'i');
const DELETE = new RegExp(String.raw`^delete\s+from\s+(?:only\s+)?${NAME}`, 'i');
const INSERT = new RegExp(String.raw`^insert\s+into\s+${NAME}`, 'i');
const TRUNCATE = new RegExp(String.raw`^truncate\s+(?:table\s+)?(?:only\s+)?${NAME}`, 'i');

function sqlKind(statement: string): Pick<DataChange, 'kind' | 'table'> {
  for (const [pattern, kind] of [
    [UPDATE, 'update'],
    [DELETE, 'delete'],
    [TRUNCATE, 'delete'],
    [INSERT, 'insert'],
  ] as const) {
    const match = pattern.exec(statement);
    if (match) return withTable(kind, tableName(match[1]));
  }
  if (/^(select|values)\b/i.test(statement)) return { kind: 'select' };
  // A CTE before UPDATE / INSERT / DELETE: rows, of a table not read here.
  if (/^with\b/i.test(statement))
    return /\b(update|insert|delete)\b/i.test(statement) ? { kind: 'update' } : { kind: 'select' };
  if (/^alter\s+type\s+\S+\s+add\s+value\b/i.test(statement)) return { kind: 'enum-value' };
  if (/^(set|reset)\b/i.test(statement)) return { kind: 'setting' };
  return { kind: 'ddl' };
}

/** A table as SQL writes it (`"user"`, `public.users`), lower case without quotes or schema; `{}` is unknown. */
function tableName(written: string): string | undefined {
  if (written === '{}') return undefined;
  const last = written.split('.').pop()?.trim() ?? written;
  return last.startsWith('"') ? last.slice(1, -1).toLowerCase() : last.toLowerCase();
}

function withTable(kind: DataChangeKind, table: string | undefined): Pick<DataChange, 'kind' | 'table'> {
  return table === undefined ? { kind } : { kind, table };
}

/**
 * SQLAlchemy DML built in Python: the innermost call of a method chain, `sa.update(t)`, `update(t)`,
 * `t.update()`, `t.insert()`, `sa.delete(t)`, `sa.select(...)`.
 */
function dmlOf(expr: PyExpr | undefined, tables: Map<string, string>): Pick<DataChange, 'kind' | 'table'> | undefined {
  let current = expr;
  while (current?.k === 'call') {
    const func = current.func;
    const name = calleeName(current);
    if (name === 'update' || name === 'insert' || name === 'delete' || name === 'select') {
      const kind: DataChangeKind = name;
      // `t.update()` on a table (not `sa.update(t)` / `update(t)`, whose argument is the table).
      const onTable = func.k === 'attr' && current.args.length === 0 && !isModule(func.obj);
      const table = onTable && func.k === 'attr' ? func.obj : current.args[0];
      return withTable(kind, tableOf(table, tables));
    }
    if (func.k !== 'attr') return undefined;
    current = func.obj;
  }
  return undefined;
}

function isModule(expr: PyExpr): boolean {
  return expr.k === 'name' && /^(sa|sqlalchemy|expression|sql)$/.test(expr.id);
}

function tableOf(expr: PyExpr | undefined, tables: Map<string, string>): string | undefined {
  if (expr?.k === 'name') return tables.get(expr.id);
  if (expr?.k === 'call' && /^[Tt]able$/.test(calleeName(expr) ?? '') && expr.args[0]?.k === 'str')
    return expr.args[0].value.toLowerCase();
  return undefined;
}
