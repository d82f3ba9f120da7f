// The raw SQL of `op.execute("...")` on a PostgreSQL project (or one whose database is unknown: most
// projects, whose URL comes from the environment), read by PostgreSQL's own parser
// (sql/pgParser.ts) and held to the rules the `op.*` calls get: indexes built or dropped without
// CONCURRENTLY, constraints added without NOT VALID, columns and tables dropped or renamed, SET NOT NULL,
// column types changed, NOT NULL columns added without a default, volatile defaults. SQL the parser
// refuses, and SQL only Python computes, is left alone: never guessed.
// (CONCURRENTLY outside autocommit_block() and ALTER TYPE ... ADD VALUE are postgresLocks.ts's.)
import { type ColumnType, isPostgresNoRewrite, typeOfExpr } from '../../models/columnTypes';
import type { MigrationFunction } from '../../models/migrationOps';
import { type PgParseResult, type PgParser, pgParser } from '../sql/pgParser';
import { type DataChange, filledBefore, mayFill } from './dataChanges';
import type { RevisionRuleFamily, RuleReport } from './ruleInput';

type Node = Record<string, unknown>;

/** What a statement is about: its SQL shortened for messages, the line of its op.execute. */
interface Place {
  sql: string;
  line: number;
  /** How the SQL is run, when not by op.execute: `conn.execute`. */
  call?: string;
}

const SERIAL = /^(small|big)?serial[248]?$/i;
const VOLATILE = /^(gen_random_uuid|uuid_generate_v[14]|clock_timestamp|timeofday|random|nextval)$/i;

export const rawSqlRules: RevisionRuleFamily = {
  // The rules are those of the op.* calls (rules.ts, postgresLocks.ts), applied to statements.
  rules: [],
  check({ migration, dialect, upgradeExecutes }, report) {
    const up = migration.upgrade;
    // Another database's SQL is left alone; an unknown one's is read as PostgreSQL would read it (SQL it
    // refuses, MySQL's backticks for one, is skipped), and its PostgreSQL-only findings say so.
    if ((dialect !== undefined && dialect !== 'postgresql') || !up) return;
    const literal = up.executes.filter((e): e is { line: number; sql: string; call?: string } => e.sql !== undefined);
    if (!literal.length) return;
    const parser = pgParser();
    if (!parser) return;
    // The types downgrade() gives columns back: parsed only when an ALTER ... TYPE asks.
    let restored: Map<string, ColumnType> | undefined;
    const oldType = (table: string, column: string) =>
      (restored ??= typesRestored(migration.downgrade, parser)).get(columnKey(table, column));
    // The op.create_table tables, by line: a table created before a statement has no rows yet.
    const createdAt = new Map<string, number>();
    for (const op of up.ops)
      if (op.op === 'create_table' && !createdAt.has(op.table.toLowerCase()))
        createdAt.set(op.table.toLowerCase(), op.line);
    // What happened before a statement: tables created (no rows yet), rows updated or deleted (a backfill).
    const created = new Set<string>();
    const filled: DataChange[] = [];
    for (const { line, sql, call } of literal) {
      let tree: PgParseResult;
      try {
        tree = parser.parseSync(sql);
      } catch {
        continue;
      }
      const isNew = (table: string): boolean =>
        created.has(table) || (createdAt.get(table) ?? Number.POSITIVE_INFINITY) < line;
      // Earlier statements of these strings, or any execute call (connection.execute(sa.update(...))...) before.
      const backfilled = (table: string, column: string): boolean =>
        filled.some((change) => mayFill(change, table, column)) || filledBefore(upgradeExecutes(), line, table, column);
      for (const entry of tree.stmts ?? []) {
        const stmt = entry.stmt ?? {};
        const text = statementText(sql, entry.stmt_location, entry.stmt_len);
        const place = { sql: shorten(text), line, call };
        lintStatement(stmt, place, { isNew, backfilled, oldType }, report);
        const createdTable =
          relationName(child(stmt, 'CreateStmt')) ?? child(stmt, 'CreateTableAsStmt', 'into', 'rel')?.relname;
        if (typeof createdTable === 'string') created.add(createdTable);
        const updatedTable = relationName(child(stmt, 'UpdateStmt'));
        if (updatedTable) filled.push({ line, kind: 'update', table: updatedTable, sql: text });
        const deletedFrom = relationName(child(stmt, 'DeleteStmt'));
        const empties = !child(stmt, 'DeleteStmt', 'whereClause');
        if (deletedFrom) filled.push({ line, kind: 'delete', table: deletedFrom, sql: text, empties });
      }
    }
  },
};

interface Before {
  isNew(table: string): boolean;
  backfilled(table: string, column: string): boolean;
  /** The column's type before upgrade(), as downgrade() gives it back. */
  oldType(table: string, column: string): ColumnType | undefined;
}

function columnKey(table: string, column: string): string {
  return `${table.toLowerCase()}.${column.toLowerCase()}`;
}

/**
 * The types downgrade() gives columns back (op.alter_column(..., type_=...) or ALTER COLUMN ... TYPE):
 * what they were before upgrade() changed them. A column given back twice is left out.
 */
function typesRestored(down: MigrationFunction | undefined, parser: PgParser): Map<string, ColumnType> {
  const found = new Map<string, ColumnType | undefined>();
  const note = (key: string, type: ColumnType) => found.set(key, found.has(key) ? undefined : type);
  for (const op of down?.ops ?? []) {
    const type = op.op === 'alter_column' ? op.arg('type_') : undefined;
    if (type && op.column !== undefined) note(columnKey(op.table, op.column), typeOfExpr(type));
  }
  for (const { sql } of down?.executes ?? []) {
    if (sql === undefined) continue;
    let tree: PgParseResult;
    try {
      tree = parser.parseSync(sql);
    } catch {
      continue;
    }
    for (const entry of tree.stmts ?? []) {
      const alter = child(entry.stmt, 'AlterTableStmt');
      const table = relationName(alter);
      for (const item of (alter?.cmds as Node[] | undefined) ?? []) {
        const cmd = child(item, 'AlterTableCmd');
        if (table && cmd?.subtype === 'AT_AlterColumnType' && typeof cmd.name === 'string')
          note(columnKey(table, cmd.name), pgColumnType(child(cmd, 'def', 'ColumnDef')));
      }
    }
  }
  const known = new Map<string, ColumnType>();
  for (const [key, type] of found) if (type) known.set(key, type);
  return known;
}

/** The type of an ALTER COLUMN ... TYPE as the column type rules read it: VARCHAR(n), VARCHAR, TEXT, or another. */
function pgColumnType(def: Node | undefined): ColumnType {
  const typeName = child(def, 'typeName');
  const name = lastName(typeName?.names) ?? '?';
  const type: ColumnType = { written: name };
  if (typeName?.arrayBounds || child(def, 'collClause')) return type;
  const typmods = (typeName?.typmods as Node[] | undefined) ?? [];
  if (name === 'text' && !typmods.length) type.family = 'text';
  if (name === 'varchar' && typmods.length <= 1) {
    type.family = 'string';
    const length = child(typmods[0], 'A_Const', 'ival')?.ival;
    if (!typmods.length) type.unbounded = true;
    else if (typeof length === 'number') type.length = length;
    else type.extra = true;
  }
  return type;
}

function lintStatement(stmt: Node, at: Place, before: Before, report: RuleReport): void {
  const { isNew } = before;
  const where = `${at.call ?? 'op.execute'}("${at.sql}")`;
  const index = child(stmt, 'IndexStmt');
  if (index) {
    const table = relationName(index);
    if (!index.concurrent && table && !isNew(table)) {
      report(
        'create-index-not-concurrently',
        `${where} builds the index${index.idxname ? ` ${String(index.idxname)}` : ''} while holding a lock that blocks every write to ${table} until it is done. ` +
          'Safe pattern: `with op.get_context().autocommit_block(): op.execute("CREATE INDEX CONCURRENTLY ...")` ' +
          '(CREATE INDEX CONCURRENTLY cannot run inside a transaction).',
        at.line,
      );
    }
    return;
  }
  const drop = child(stmt, 'DropStmt');
  if (drop) {
    if (drop.removeType === 'OBJECT_INDEX' && !drop.concurrent) {
      report(
        'drop-index-not-concurrently',
        `${where} drops an index under an ACCESS EXCLUSIVE lock on its table: every query of the table waits. ` +
          'Safe pattern: `with op.get_context().autocommit_block(): op.execute("DROP INDEX CONCURRENTLY ...")`.',
        at.line,
      );
    }
    // A staging table created before in this upgrade() holds nothing that was there before.
    const tables = droppedNames(drop);
    if (drop.removeType === 'OBJECT_TABLE' && !tables.every((table) => table && isNew(table))) {
      const named = tables.filter((t): t is string => !!t).map((t) => `'${t}'`);
      const what = named.length ? `the table${named.length > 1 ? 's' : ''} ${named.join(', ')}` : 'a table';
      report(
        'drop-table',
        `${where} deletes ${what} and every row in it; downgrade() can recreate the table, not the data. ` +
          'Safe pattern: remove every use of the table from the code first (one release), back the data up, then drop it in a later migration.',
        at.line,
      );
    }
    return;
  }
  const rename = child(stmt, 'RenameStmt');
  if (rename) {
    const table = relationName(rename);
    if (!table || isNew(table)) return;
    if (rename.renameType === 'OBJECT_TABLE') {
      report(
        'rename-table',
        `${where} renames '${table}' to '${String(rename.newname)}': the release still running during the deploy queries '${table}' and fails until it is replaced. ` +
          'Safe pattern: expand and contract (a new table or a view under the new name, the code switched to it, the old name dropped later).',
        at.line,
      );
    } else if (rename.renameType === 'OBJECT_COLUMN') {
      report(
        'rename-column',
        `${where} renames ${table}.${String(rename.subname)} to '${String(rename.newname)}': the release still running during the deploy reads and writes the old name and fails until it is replaced. ` +
          'Safe pattern: expand and contract (add the new column, write both and backfill, switch the reads, drop the old one later).',
        at.line,
      );
    }
    return;
  }
  const alter = child(stmt, 'AlterTableStmt');
  const table = relationName(alter);
  if (alter?.objtype !== 'OBJECT_TABLE' || !table) return;
  for (const item of (alter.cmds as Node[] | undefined) ?? []) {
    const cmd = child(item, 'AlterTableCmd');
    if (cmd) alterCommand(cmd, table, before, where, at.line, report);
  }
}

function alterCommand(cmd: Node, table: string, before: Before, where: string, line: number, report: RuleReport): void {
  const column = `${table}.${String(cmd.name ?? '?')}`;
  const isNew = before.isNew(table);
  switch (cmd.subtype) {
    case 'AT_DropColumn':
      report(
        'drop-column',
        `${where} deletes the data of ${column}, and code of the previous release that still reads it fails during the deploy. ` +
          'Safe pattern: stop reading and writing the column in the code first (one release), then drop it in a later migration.',
        line,
      );
      return;
    case 'AT_AlterColumnType': {
      // VARCHAR and TEXT are binary-compatible: made longer, unbounded or TEXT, only the catalog changes.
      const def = child(cmd, 'def', 'ColumnDef');
      const from = typeof cmd.name === 'string' ? before.oldType(table, cmd.name) : undefined;
      if (!def?.raw_default && isPostgresNoRewrite(from, pgColumnType(def))) return;
      report(
        'alter-column-type',
        `${where} changes the type of ${column}: PostgreSQL rewrites the table under an ACCESS EXCLUSIVE lock (reads and writes wait), and the migration fails on any value that does not convert. ` +
          'Safe pattern: add a new column, backfill it in batches, switch the code to it, then drop the old one.',
        line,
      );
      return;
    }
    case 'AT_SetNotNull':
      if (isNew || before.backfilled(table, String(cmd.name ?? ''))) return;
      report(
        'alter-column-not-null',
        `${where} makes ${column} NOT NULL: this fails if any existing row has NULL there, and scans the whole table under an ACCESS EXCLUSIVE lock (reads and writes wait). ` +
          'Safe pattern: backfill first (UPDATE ... WHERE ... IS NULL), then add a CHECK (... IS NOT NULL) NOT VALID constraint, VALIDATE it, and set NOT NULL.',
        line,
      );
      return;
    case 'AT_AddColumn':
      if (!isNew) addColumn(child(cmd, 'def', 'ColumnDef'), table, where, line, report);
      return;
    case 'AT_AddConstraint':
      if (!isNew) addConstraint(child(cmd, 'def', 'Constraint'), table, where, line, report);
      return;
    default:
      return;
  }
}

function addColumn(def: Node | undefined, table: string, where: string, line: number, report: RuleReport): void {
  if (!def) return;
  const constraints = ((def.constraints as Node[] | undefined) ?? []).map((c) => child(c, 'Constraint') ?? {});
  const has = (type: string) => constraints.some((c) => c.contype === type);
  const column = `${table}.${String(def.colname ?? '?')}`;
  const defaultExpr = constraints.find((c) => c.contype === 'CONSTR_DEFAULT')?.raw_expr as Node | undefined;
  // SERIAL is an integer with the default nextval(...): VOLATILE too.
  const serial = SERIAL.test(lastName(child(def, 'typeName')?.names) ?? '');
  const fn = serial ? 'nextval' : functionName(child(defaultExpr ?? {}, 'FuncCall'));
  if (fn && VOLATILE.test(fn)) {
    const what = serial
      ? `as ${lastName(child(def, 'typeName')?.names)?.toUpperCase()}, whose default is nextval()`
      : `with the default ${fn}()`;
    report(
      'volatile-server-default',
      `${where} adds ${column} ${what}, which is VOLATILE: PostgreSQL computes it for every existing row, rewriting the whole table under an ACCESS EXCLUSIVE lock. ` +
        'Safe pattern: add the column without the default, then SET DEFAULT (only new rows get it), and backfill the existing rows in batches.',
      line,
    );
  }
  const databaseFills =
    has('CONSTR_DEFAULT') || has('CONSTR_IDENTITY') || has('CONSTR_GENERATED') || has('CONSTR_PRIMARY');
  if (has('CONSTR_NOTNULL') && !databaseFills) {
    report(
      'add-column-not-null-without-default',
      `${where} adds ${column} as NOT NULL without a DEFAULT: on a table that has rows PostgreSQL refuses it (existing rows would be NULL). ` +
        'Safe pattern: give it a DEFAULT, or add it nullable, backfill it, then SET NOT NULL.',
      line,
    );
  }
}

function addConstraint(def: Node | undefined, table: string, where: string, line: number, report: RuleReport): void {
  if (!def) return;
  const name = def.conname ? String(def.conname) : '<name>';
  if ((def.contype === 'CONSTR_FOREIGN' || def.contype === 'CONSTR_CHECK') && !def.skip_validation) {
    const foreign = def.contype === 'CONSTR_FOREIGN';
    report(
      foreign ? 'create-foreign-key-without-not-valid' : 'create-check-constraint-without-not-valid',
      `${where} adds a ${foreign ? 'foreign key' : 'check constraint'} to ${table}, which has rows: PostgreSQL checks every row while it blocks ` +
        `${foreign ? `writes to ${table} and to the table it references` : `every read and write of ${table}`}. ` +
        `Safe pattern: add it NOT VALID (new rows are checked at once, the lock is brief), then validate it in a later step: ` +
        `op.execute("ALTER TABLE ${table} VALIDATE CONSTRAINT ${name}").`,
      line,
    );
  }
  if ((def.contype === 'CONSTR_UNIQUE' || def.contype === 'CONSTR_PRIMARY') && !def.indexname) {
    const primary = def.contype === 'CONSTR_PRIMARY';
    report(
      primary ? 'create-primary-key' : 'create-unique-constraint',
      `${where} builds a unique index on ${table}${primary ? ' and makes its columns NOT NULL' : ''} under an ACCESS EXCLUSIVE lock: every read and write of the table waits, for as long as the build takes. ` +
        `Safe pattern: CREATE UNIQUE INDEX CONCURRENTLY in an autocommit_block(), then ALTER TABLE ${table} ADD CONSTRAINT ${name} ${primary ? 'PRIMARY KEY' : 'UNIQUE'} USING INDEX ..., which only takes the lock for a moment.`,
      line,
    );
  }
}

/** `node[name]` when it is an object (a parse tree's child), following a path of names. */
function child(node: Node | undefined, ...names: string[]): Node | undefined {
  let current: unknown = node;
  for (const name of names) {
    if (!current || typeof current !== 'object') return undefined;
    current = (current as Node)[name];
  }
  return current && typeof current === 'object' ? (current as Node) : undefined;
}

/** The lower-case table name of a statement's `relation` (PostgreSQL folds unquoted names). */
function relationName(stmt: Node | undefined): string | undefined {
  const name = child(stmt, 'relation')?.relname;
  return typeof name === 'string' ? name : undefined;
}

/** The table names of a DROP (`DROP TABLE a, s.b`: a, b); undefined where one cannot be read. */
function droppedNames(drop: Node): Array<string | undefined> {
  const objects = Array.isArray(drop.objects) ? (drop.objects as Node[]) : [];
  const names = objects.map((o) => lastName(child(o, 'List')?.items));
  return names.length ? names : [undefined];
}

function functionName(call: Node | undefined): string | undefined {
  return lastName(call?.funcname);
}

/** The last part of a qualified name (`pg_catalog.int8`): a list of `{String: {sval}}` nodes. */
function lastName(names: unknown): string | undefined {
  const list = Array.isArray(names) ? (names as Node[]) : [];
  const last = child(list[list.length - 1], 'String')?.sval;
  return typeof last === 'string' ? last : undefined;
}

/** The statement's own text (libpg-query gives byte offsets, the same as characters for ASCII SQL). */
function statementText(sql: string, location = 0, length?: number): string {
  const ascii = !/[^\x00-\x7f]/.test(sql);
  return ascii ? sql.slice(location, length === undefined ? undefined : location + length) : sql;
}

function shorten(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}
