// The rules that read one revision file: risky operations in upgrade() (never in downgrade(), whose
// job is to undo), a downgrade() that does nothing, and the empty autogenerate. Each problem names the
// operation, says why it hurts and gives the safe pattern, at the line of the call.

import { isStringWidening, typeOfExpr } from '../models/columnTypes';
import type { CallExpr, MigrationCall, MigrationFunction, ParsedMigration } from '../models/migrationOps';
import { type Problem, problem } from '../problems';
import type { PyExpr, PySource } from '../python';
import { calleeName, keyword, renderExpr } from '../python';
import { copiedThenRenamed, renamePairs } from './renames';
import { type LintOptions, lintRule, severityOf } from './rules';
import { REVISION_RULE_FAMILIES } from './rules/registry';
import { statementScopes } from './rules/statementScopes';
import { pgParserState } from './sql/pgParser';

export { normalizeType, resemblingNames } from './renames';

/** What the lint of one revision file reads: the file as its record's single read gave it (revisionRecord.ts). */
export interface LintInput {
  path: string;
  source: PySource;
  migration: ParsedMigration;
  /** The first line of the module docstring (Alembic's revision message). */
  message?: string;
  /** down_revision names several revisions: a merge, empty by design. */
  isMerge: boolean;
}

/** What lint findings depend on besides the file: the cache key of a revision's findings. */
export function lintKey(options: LintOptions): string {
  // The raw SQL rules read op.execute's SQL only once the PostgreSQL parser is loaded.
  return JSON.stringify([
    options.severities ?? {},
    options.dialect ?? '',
    options.renderAsBatch ?? '',
    pgParserState(),
  ]);
}

/** The problems before severities and suppressions. */
export function revisionFindings(input: LintInput, options: LintOptions = {}): Problem[] {
  const { source, migration, path } = input;
  const scopes = statementScopes(source);
  const up = migration.upgrade;
  const problems: Problem[] = [];
  const add = (code: string, message: string, line: number): void => {
    if (severityOf(code, options) === 'off') return;
    const rule = lintRule(code);
    if (rule?.dialects && options.dialect && !rule.dialects.includes(options.dialect)) return;
    // Code under a test of the database (`if is_postgres():`) runs only where the test allows.
    if (rule?.dialects && !rule.dialects.some((dialect) => scopes.runsOn(line, dialect))) return;
    // The database is unknown: the advice stands, for the databases it is about.
    const where = rule?.dialects && !options.dialect ? `On ${rule.dialects.map(dialectName).join(' or ')}: ` : '';
    problems.push(problem(rule?.severity ?? 'warning', code, `${where}${message}`, path, line));
  };
  if (up) riskyOperations(up, migration, add, options.dialect);
  emptyFunctions(input, add);
  const ruleInput = { migration, source, scopes, dialect: options.dialect, renderAsBatch: options.renderAsBatch };
  for (const family of REVISION_RULE_FAMILIES) family.check(ruleInput, add);
  return problems.sort((a, b) => a.line - b.line);
}

type Add = (code: string, message: string, line: number) => void;

function dialectName(dialect: string): string {
  return dialect === 'postgresql' ? 'PostgreSQL' : dialect === 'sqlite' ? 'SQLite' : dialect;
}

function riskyOperations(up: MigrationFunction, migration: ParsedMigration, add: Add, dialect?: string): void {
  // A table created earlier in this upgrade has no rows yet: what fails on rows cannot fail there.
  const createdAt = new Map<string, number>();
  for (const op of up.ops) if (op.op === 'create_table' && !createdAt.has(op.table)) createdAt.set(op.table, op.line);
  const isNew = (op: MigrationCall): boolean => (createdAt.get(op.table) ?? Infinity) < op.line;
  const renames = renamePairs(up, migration.downgrade);
  const renamedDrops = new Set([...renames.values()].map((r) => r.drop));

  for (const op of up.ops) {
    const where = `${op.batch ? 'batch_op' : 'op'}.${op.op}(${shorten(op.args)})`;
    switch (op.op) {
      case 'drop_table':
        add(
          'drop-table',
          `${where} deletes the table '${op.table}' and every row in it; downgrade() can recreate the table, not the data. ` +
            'Safe pattern: remove every use of the table from the code first (one release), back the data up, then drop it in a later migration.',
          op.line,
        );
        break;
      case 'drop_column':
        if (renamedDrops.has(op) || copiedThenRenamed(up, op)) break;
        add(
          'drop-column',
          `${where} deletes the data of ${op.table}.${op.column ?? '?'}, and code of the previous release that still reads it fails during the deploy. ` +
            'Safe pattern: stop reading and writing the column in the code first (one release), then drop it in a later migration.',
          op.line,
        );
        break;
      case 'alter_column': {
        const column = `${op.table}.${op.column ?? '?'}`;
        const type = op.arg('type_');
        const existing = op.arg('existing_type');
        // SQLite has no ALTER COLUMN TYPE (its batch rule says so); a longer string is no rewrite on PostgreSQL.
        const widening = !!type && !!existing && isStringWidening(typeOfExpr(existing), typeOfExpr(type));
        const quiet = dialect === 'sqlite' || (widening && dialect !== 'mysql' && dialect !== 'mariadb');
        if (type && !isNone(type) && !quiet) {
          add(
            'alter-column-type',
            `${where} changes the type of ${column} to ${renderExpr(type)}: PostgreSQL and MySQL rewrite the table under an exclusive lock, and the migration fails on any value that does not convert. ` +
              'Safe pattern: add a new column, backfill it in batches, switch the code to it, then drop the old one; or test the conversion (postgresql_using=...) on a copy of the production data.',
            op.line,
          );
        }
        const nullable = op.arg('nullable');
        if (isFalse(nullable) && !isNew(op) && !backfilledBefore(up, op)) {
          add(
            'alter-column-not-null',
            `${where} makes ${column} NOT NULL: this fails if any existing row has NULL there, and scans the whole table under an exclusive lock. ` +
              `Safe pattern: backfill first, in this or an earlier migration (op.execute("UPDATE ${op.table} SET ${op.column ?? 'col'} = ... WHERE ${op.column ?? 'col'} IS NULL")), then set NOT NULL; ` +
              `on big PostgreSQL tables add a CHECK (${op.column ?? 'col'} IS NOT NULL) NOT VALID constraint and VALIDATE it before, so the lock stays short.`,
            op.line,
          );
        }
        break;
      }
      case 'add_column': {
        const column = op.arg('column');
        if (column?.k !== 'call' || isNew(op) || renames.has(op)) break;
        if (!isFalse(keyword(column, 'nullable')) || hasDatabaseDefault(column)) break;
        const pythonDefault = keyword(column, 'default')
          ? ' (default= does not help: SQLAlchemy applies it on INSERT, the database never sees it)'
          : '';
        add(
          'add-column-not-null-without-default',
          `${where} adds ${op.table}.${op.column ?? '?'} as NOT NULL without server_default: on a table that has rows the database refuses it (existing rows would be NULL)${pythonDefault}. ` +
            'Safe pattern: give it a server_default (drop the default afterwards if it should not stay), or add it nullable, backfill it, then alter it to nullable=False.',
          op.line,
        );
        break;
      }
      case 'create_index': {
        if (isNew(op) || isTrue(keyword(op.call, 'postgresql_concurrently'))) break;
        add(
          'create-index-not-concurrently',
          `${where} builds the index${op.name ? ` ${op.name}` : ''} while holding a lock that blocks every write to ${op.table} until it is done. ` +
            'Safe pattern: `with op.get_context().autocommit_block(): op.create_index(..., postgresql_concurrently=True)` (CREATE INDEX CONCURRENTLY cannot run inside a transaction).',
          op.line,
        );
        break;
      }
      default:
        break;
    }
  }
  for (const [addOp, { drop, type, why }] of renames) {
    add(
      'rename-as-drop-add',
      `${drop.column} dropped and ${addOp.column} added on ${addOp.table} with the same type ${type} and resembling names (${why}): ` +
        `if this is a rename, use op.alter_column('${addOp.table}', '${drop.column}', new_column_name='${addOp.column}') to keep the data ` +
        `(and the reverse in downgrade()); as written the migration deletes the data of '${drop.column}' (autogenerate cannot detect renames).`,
      addOp.line,
    );
  }
}

function emptyFunctions(input: LintInput, add: Add): void {
  const up = input.migration.upgrade;
  const down = input.migration.downgrade;
  if (up && down && !up.empty && down.empty && !down.raises) {
    add(
      'empty-downgrade',
      'downgrade() does nothing while upgrade() changes the schema: `alembic downgrade` would mark this revision as undone and leave its changes in the database. ' +
        'Safe pattern: write the inverse operations, or `raise NotImplementedError("...")` so that downgrading past this revision fails loudly.',
      down.firstLine,
    );
  }
  if (up?.empty && !input.isMerge) {
    const message = input.message;
    const change = message ? CHANGE_WORDS.exec(message) : null;
    if (change) {
      add(
        'empty-autogenerate',
        `upgrade() is empty although the message says "${message}": autogenerate found no difference. Usual causes: env.py does not import the module of the changed model, ` +
          "target_metadata is not the models' metadata, or the database already had the change. " +
          'Safe pattern: fix the import or target_metadata, delete this file and autogenerate again; or write the operations by hand.',
        up.firstLine,
      );
    }
  }
}

const CHANGE_WORDS =
  /\b(add|adds|added|adding|create|creates|created|creating|drop|drops|dropped|dropping|remove|removes|removed|removing|rename|renames|renamed|renaming|alter|alters|altered|altering|change|changes|changed|changing|delete|deletes|deleted|modify|modifies|modified|make|makes|new|index|column|table|constraint|nullable|unique|foreign key)\b/i;

/** An `op.execute(...)` before `op` that may fill the column: an UPDATE of its table, or SQL built in Python. */
function backfilledBefore(fn: MigrationFunction, op: MigrationCall): boolean {
  return fn.executes.some(
    (e) =>
      e.line < op.line &&
      (e.sql === undefined || (/\bupdate\b/i.test(e.sql) && e.sql.toLowerCase().includes(op.table.toLowerCase()))),
  );
}

function hasDatabaseDefault(column: CallExpr): boolean {
  const serverDefault = keyword(column, 'server_default');
  if (serverDefault && !isNone(serverDefault)) return true;
  if (isTrue(keyword(column, 'primary_key'))) return true;
  // Identity() / Computed() columns get their values from the database.
  return column.args.some((a) => a.k === 'call' && /^(Identity|Computed)$/.test(calleeName(a) ?? ''));
}

function isFalse(expr: PyExpr | undefined): boolean {
  return expr?.k === 'const' && expr.value === 'False';
}

function isTrue(expr: PyExpr | undefined): boolean {
  return expr?.k === 'const' && expr.value === 'True';
}

function isNone(expr: PyExpr): boolean {
  return expr.k === 'const' && expr.value === 'None';
}

function shorten(args: string): string {
  return args.length > 60 ? `${args.slice(0, 57)}...` : args;
}
