// Which drop_column calls of an upgrade() are renames after all: a drop and an add that look like a
// rename written the long way (rename-as-drop-add, paired only on evidence), and copy-then-rename (the
// data copied into a new column, the old column dropped, the new one renamed to the old name).
import { editDistance } from '../editDistance';
import type { MigrationCall, MigrationFunction } from '../models/migrationOps';
import type { PyExpr } from '../python';
import { calleeName, keyword, renderExpr, stringValue } from '../python';
import type { UpgradeExecutes } from './rules/dataChanges';

export interface RenamePair {
  drop: MigrationCall;
  /** The shared type, normalized (`VARCHAR(255)`), with NOT NULL when both are and the foreign key's target. */
  type: string;
  /** Why the names resemble, for the message. */
  why: string;
}

/**
 * add_column -> the drop_column it may rename. The evidence: the same table, the same type and
 * nullability (the dropped column's come from downgrade(), where autogenerate adds it back), exactly
 * one dropped and one added column of that shape on the table, and names that resemble.
 */
export function renamePairs(
  up: MigrationFunction,
  down: MigrationFunction | undefined,
  upgradeRuns: () => UpgradeExecutes,
  copied: ReadonlySet<MigrationCall> = copiedThenRenamedDrops(up),
): Map<MigrationCall, RenamePair> {
  const droppedShape = new Map<string, string>();
  const downKeys = down ? foreignKeysOf(down) : new Map();
  for (const op of down?.ops ?? []) {
    const shape = op.op === 'add_column' && op.column ? columnShape(op.arg('column'), downKeys, op) : undefined;
    if (shape) droppedShape.set(columnKey(op, op.column!), shape);
  }
  const candidates = new Map<string, { adds: MigrationCall[]; drops: MigrationCall[] }>();
  const candidatesOf = (op: MigrationCall, shape: string): { adds: MigrationCall[]; drops: MigrationCall[] } => {
    const key = `${columnKey(op, '')}\0${shape}`;
    if (!candidates.has(key)) candidates.set(key, { adds: [], drops: [] });
    return candidates.get(key)!;
  };
  const upKeys = foreignKeysOf(up);
  for (const op of up.ops) {
    if (!op.column) continue;
    if (op.op === 'add_column') {
      const shape = columnShape(op.arg('column'), upKeys, op);
      if (shape) candidatesOf(op, shape).adds.push(op);
    } else if (op.op === 'drop_column' && !copied.has(op)) {
      const shape = droppedShape.get(columnKey(op, op.column));
      if (shape) candidatesOf(op, shape).drops.push(op);
    }
  }
  const pairs = new Map<MigrationCall, RenamePair>();
  for (const [key, { adds, drops }] of candidates) {
    if (adds.length !== 1 || drops.length !== 1 || copiedBetween(up, adds[0], drops[0], upgradeRuns)) continue;
    const why = resemblingNames(drops[0].column!, adds[0].column!);
    if (why) pairs.set(adds[0], { drop: drops[0], type: key.slice(key.lastIndexOf('\0') + 1), why });
  }
  return pairs;
}

/**
 * Why two column names resemble, or undefined: the same words reordered (`created_by_user`,
 * `user_created_by`), the words of one all in the other (`email`, `email_address`), or an edit
 * distance of at most a quarter of the longer name (`adress`, `address`; never for `id`, `uid`).
 */
export function resemblingNames(a: string, b: string): string | undefined {
  if (a.toLowerCase() === b.toLowerCase()) return undefined;
  const wordsA = words(a);
  const wordsB = words(b);
  const [fewer, more] = wordsA.length <= wordsB.length ? [wordsA, wordsB] : [wordsB, wordsA];
  if (fewer.length && fewer.every((w) => more.includes(w))) {
    return fewer.length === more.length ? 'the same words reordered' : 'one name contains the other';
  }
  const distance = editDistance(a.toLowerCase(), b.toLowerCase());
  if (distance <= Math.floor(Math.max(a.length, b.length) / 4)) {
    return `the names differ by ${distance} character${distance > 1 ? 's' : ''}`;
  }
  return undefined;
}

/**
 * The drop_columns whose data was copied into another column of the table (an `op.execute("UPDATE
 * t SET new = ...")` before the drop) that is then renamed to the dropped name: the FastAPI
 * template's integer-to-UUID id. The column lives on under its name; only its values changed.
 * One pass over the operations: an upgrade() of data migrations may hold tens of thousands.
 */
export function copiedThenRenamedDrops(up: MigrationFunction): Set<MigrationCall> {
  // The renames to each (table, new name), in order of lines.
  const renamesTo = new Map<string, MigrationCall[]>();
  for (const op of up.ops) {
    if (op.op !== 'alter_column' || !op.column || !op.newName) continue;
    const key = columnKey(op, op.newName);
    const list = renamesTo.get(key);
    if (list) list.push(op);
    else renamesTo.set(key, [op]);
  }
  const copied = new Set<MigrationCall>();
  if (!renamesTo.size) return copied;
  for (const drop of up.ops) {
    if (drop.op !== 'drop_column' || !drop.column) continue;
    const rename = renamesTo.get(columnKey(drop, drop.column))?.find((op) => op.line > drop.line);
    if (!rename?.column) continue;
    const copiesInto = (sql: string | undefined): boolean =>
      sql !== undefined && updatesColumn(sql, drop.table, rename.column!);
    if (up.executes.some((e) => e.line < drop.line && copiesInto(e.sql))) copied.add(drop);
  }
  return copied;
}

/**
 * The data moves between the add and the drop: an UPDATE that sets the added column, or SQL only Python
 * knows (a loop converting rows): a migration of the values, not a rename written the long way.
 */
function copiedBetween(
  up: MigrationFunction,
  add: MigrationCall,
  drop: MigrationCall,
  upgradeRuns: () => UpgradeExecutes,
): boolean {
  const [from, to] = [Math.min(add.line, drop.line), Math.max(add.line, drop.line)];
  const between = (line: number) => line > from && line < to;
  if (up.executes.some((e) => between(e.line) && (e.sql === undefined || updatesColumn(e.sql, add.table, add.column!))))
    return true;
  // connection.execute(t.update()...) and the like, read by dataChanges.ts.
  const table = add.table.toLowerCase();
  return upgradeRuns().changes.some(
    (c) => between(c.line) && (c.kind === 'unknown' || (c.kind === 'update' && (c.table ?? table) === table)),
  );
}

/** `UPDATE [schema.]table SET ... column = ...`, the names quoted or not. */
function updatesColumn(sql: string, table: string, column: string): boolean {
  const quoted = (name: string): string => `["\`\\[]?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["\`\\]]?`;
  const target = `(?:ONLY\\s+)?(?:\\S+\\.)?${quoted(table)}\\s+(?:(?:AS\\s+)?\\w+\\s+)?`;
  const update = new RegExp(`\\bUPDATE\\s+${target}SET\\s+([\\s\\S]*)`, 'i');
  const assignments = update.exec(sql)?.[1].split(/\bWHERE\b/i)[0];
  return !!assignments && new RegExp(`(?:^|[\\s,(])${quoted(column)}\\s*=`, 'i').test(assignments);
}

function columnKey(op: MigrationCall, column: string): string {
  return `${op.schema ?? ''}\0${op.table}\0${column}`;
}

/**
 * The type, nullability and foreign key target of an `sa.Column(...)`, normalized; undefined when the type
 * is not written. A column that points to another table is another column, whatever its name.
 */
function columnShape(column: PyExpr | undefined, foreignKeys: ForeignKeys, add: MigrationCall): string | undefined {
  if (column?.k !== 'call') return undefined;
  const type = column.args[1] ?? keyword(column, 'type_');
  if (!type) return undefined;
  const nullable = keyword(column, 'nullable');
  const notNull = nullable?.k === 'const' && nullable.value === 'False';
  const target = referencedTable(column, foreignKeys, add);
  return `${normalizeType(renderExpr(type))}${notNull ? ' NOT NULL' : ''}${target ? ` REFERENCES ${target}` : ''}`;
}

/** A function's create_foreign_key calls, by the (schema, table, column) of each local column: the first one's. */
type ForeignKeys = Map<string, MigrationCall>;

function foreignKeysOf(fn: MigrationFunction): ForeignKeys {
  const byColumn: ForeignKeys = new Map();
  for (const op of fn.ops) {
    const local = op.op === 'create_foreign_key' ? op.arg('local_cols') : undefined;
    if (local?.k !== 'seq') continue;
    for (const c of local.items) {
      if (c.k !== 'str') continue;
      const key = columnKey(op, c.value);
      if (!byColumn.has(key)) byColumn.set(key, op);
    }
  }
  return byColumn;
}

/** The table a column refers to: its `sa.ForeignKey('t.id')`, or a create_foreign_key of the function on it. */
function referencedTable(
  column: PyExpr & { k: 'call' },
  foreignKeys: ForeignKeys,
  add: MigrationCall,
): string | undefined {
  const inline = column.args.find((arg) => calleeName(arg) === 'ForeignKey');
  const spec = inline?.k === 'call' ? stringValue(inline.args[0]) : undefined;
  if (spec !== undefined) return spec.slice(0, spec.lastIndexOf('.'));
  const constraint = add.column === undefined ? undefined : foreignKeys.get(columnKey(add, add.column));
  return stringValue(constraint?.arg('referent_table'));
}

/** The lower-case words of a snake_case or camelCase name. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/**
 * A type in a form where what autogenerate writes for the model (`sa.String(length=100)`) and what
 * it reflects from the database (`sa.VARCHAR(length=100)`, `postgresql.TIMESTAMP()`) compare equal.
 */
export function normalizeType(text: string): string {
  const compact = text.replace(/\s+/g, '');
  const m = /^(?:\w+\.)*(\w+)(\(.*\))?$/s.exec(compact);
  if (!m) return compact;
  const name = m[1].toUpperCase();
  const args = (m[2] ?? '').replace(/\blength=/g, '').replace(/^\(\)$/, '');
  return `${TYPE_ALIASES[name] ?? name}${args}`;
}

const TYPE_ALIASES: Record<string, string> = {
  STRING: 'VARCHAR',
  UNICODE: 'VARCHAR',
  NVARCHAR: 'VARCHAR',
  TEXT: 'TEXT',
  UNICODETEXT: 'TEXT',
  CLOB: 'TEXT',
  INT: 'INTEGER',
  INTEGER: 'INTEGER',
  BIGINTEGER: 'BIGINT',
  SMALLINTEGER: 'SMALLINT',
  BOOLEAN: 'BOOLEAN',
  BOOL: 'BOOLEAN',
  DATETIME: 'DATETIME',
  TIMESTAMP: 'DATETIME',
  FLOAT: 'FLOAT',
  REAL: 'FLOAT',
  DOUBLE: 'FLOAT',
  DOUBLE_PRECISION: 'FLOAT',
  NUMERIC: 'NUMERIC',
  DECIMAL: 'NUMERIC',
  LARGEBINARY: 'BLOB',
  BYTEA: 'BLOB',
  BLOB: 'BLOB',
  UUID: 'UUID',
  UUIDTYPE: 'UUID',
};
