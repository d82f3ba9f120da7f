// PostgreSQL locks: operations that hold a lock blocking reads or writes of a table that has rows
// while they rewrite or scan it, and the concurrent forms that cannot run inside the migration's
// transaction. The operations on a table created earlier in the same upgrade() are left alone.
import type { MigrationCall } from '../../models/migrationOps';
import { keyword, matchBrackets, renderExpr } from '../../python';
import type { LintRule } from '../rules';
import {
  createdEarlier,
  describeCall,
  droppedLater,
  isTrueConst,
  type RevisionRuleFamily,
  type RuleReport,
} from './ruleInput';
import type { Statement, StatementScopes } from './statementScopes';

const postgresRule = (code: string, summary: string, severity: LintRule['severity'] = 'warning'): LintRule => ({
  code,
  severity,
  scope: 'revision',
  summary,
  dialects: ['postgresql'],
});

const rules: LintRule[] = [
  postgresRule(
    'volatile-server-default',
    'upgrade() adds a column with a volatile server_default (gen_random_uuid(), clock_timestamp()...) to an existing table: a full rewrite under an exclusive lock',
  ),
  postgresRule(
    'drop-index-not-concurrently',
    'upgrade() drops an index without postgresql_concurrently=True: reads and writes of the table wait for the lock',
  ),
  postgresRule(
    'concurrent-index-outside-autocommit',
    'a concurrent index operation outside `with op.get_context().autocommit_block():` fails: it cannot run inside a transaction',
    'error',
  ),
  postgresRule(
    'create-foreign-key-without-not-valid',
    'upgrade() adds a foreign key to an existing table without postgresql_not_valid=True: both tables are locked while every row is checked',
  ),
  postgresRule(
    'create-check-constraint-without-not-valid',
    'upgrade() adds a check constraint to an existing table without postgresql_not_valid=True: writes are blocked while every row is checked',
  ),
  postgresRule(
    'create-unique-constraint',
    'upgrade() adds a unique constraint to an existing table: its index is built under an ACCESS EXCLUSIVE lock, which blocks reads and writes',
  ),
  postgresRule(
    'create-primary-key',
    'upgrade() adds a primary key to an existing table: its index is built, and its columns made NOT NULL, under an ACCESS EXCLUSIVE lock',
  ),
  postgresRule(
    'enum-value-in-transaction',
    'ALTER TYPE ... ADD VALUE inside the migration transaction while the value may be used in it: PostgreSQL refuses the use until commit (and the statement before 12)',
  ),
];

/** PostgreSQL functions marked VOLATILE that people use as column defaults (now() is STABLE: no rewrite). */
const VOLATILE_DEFAULT = /\b(gen_random_uuid|uuid_generate_v[14]|clock_timestamp|timeofday|random|nextval)\s*\(/i;
/** The word CONCURRENT_SQL needs: a quick test that spares most SQL the long pattern. */
const CONCURRENTLY = /concurrently/i;
const CONCURRENT_SQL = /\b(?:(?:create|drop)\s+(?:unique\s+)?index|reindex\s+\w+)\s+concurrently\b/i;
const ADD_ENUM_VALUE = /\balter\s+type\s+\S+\s+add\s+value\b/i;
/** The label of each ADD VALUE of a string: `ADD VALUE [IF NOT EXISTS] 'label'`. */
const ENUM_LABEL = /\balter\s+type\s+\S+\s+add\s+value\s+(?:if\s+not\s+exists\s+)?'((?:[^']|'')*)'/gi;

export const postgresLockRules: RevisionRuleFamily = {
  rules,
  check({ migration, scopes, transactionPerMigration }, report) {
    const up = migration.upgrade;
    if (!up) return;
    const isNew = createdEarlier(up);
    const goesLater = droppedLater(up);
    for (const op of up.ops) {
      const concurrently = isTrueConst(keyword(op.call, 'postgresql_concurrently'));
      if ((op.op === 'create_index' || op.op === 'drop_index') && concurrently && !scopes.inAutocommitBlock(op.line))
        reportOutsideAutocommit(report, describeCall(op), op.line);
      if (isNew(op)) continue;
      switch (op.op) {
        case 'add_column':
          volatileDefault(op, report);
          break;
        case 'drop_index':
          // Its table is dropped later in this upgrade(): the DROP TABLE takes the same lock anyway.
          if (!concurrently && !goesLater(op)) {
            report(
              'drop-index-not-concurrently',
              `${describeCall(op)} drops the index${op.name ? ` ${op.name}` : ''} under an ACCESS EXCLUSIVE lock on ${op.table}: ` +
                'every query of the table waits, and so does everything queued behind it, for as long as a long transaction holds it up. ' +
                'Safe pattern: `with op.get_context().autocommit_block(): op.drop_index(..., postgresql_concurrently=True)`.',
              op.line,
            );
          }
          break;
        case 'create_foreign_key':
        case 'create_check_constraint':
          if (!isTrueConst(keyword(op.call, 'postgresql_not_valid'))) notValid(op, report);
          break;
        case 'create_unique_constraint':
          report(
            'create-unique-constraint',
            `${describeCall(op)} builds a unique index on ${op.table} under an ACCESS EXCLUSIVE lock: every read and write of the table waits, for as long as the build takes. ` +
              'Safe pattern: build the index first, outside the transaction (`with op.get_context().autocommit_block(): ' +
              'op.create_index("uq_name", ..., unique=True, postgresql_concurrently=True)`), then ' +
              '`op.execute("ALTER TABLE ... ADD CONSTRAINT uq_name UNIQUE USING INDEX uq_name")`, which is instant.',
            op.line,
          );
          break;
        case 'create_primary_key':
          report(
            'create-primary-key',
            `${describeCall(op)} builds the primary key's index on ${op.table}, and makes its columns NOT NULL (a scan of every row unless they already are), ` +
              'under an ACCESS EXCLUSIVE lock: every read and write of the table waits until it is done. ' +
              'Safe pattern: build a unique index first, outside the transaction (`with op.get_context().autocommit_block(): ' +
              'op.create_index("pk_name", ..., unique=True, postgresql_concurrently=True)`), with the columns already NOT NULL, then ' +
              '`op.execute("ALTER TABLE ... ADD CONSTRAINT pk_name PRIMARY KEY USING INDEX pk_name")`, which only takes the lock for a moment.',
            op.line,
          );
          break;
        default:
          break;
      }
    }
    for (const { line, sql } of up.executes) {
      if (sql === undefined || scopes.inAutocommitBlock(line)) continue;
      if (CONCURRENTLY.test(sql) && CONCURRENT_SQL.test(sql))
        reportOutsideAutocommit(report, `op.execute("${shortSql(sql)}")`, line);
      if (ADD_ENUM_VALUE.test(sql))
        enumValue(sql, line, scopes.upgradeStatements, scopes, transactionPerMigration, report);
    }
  },
};

const SAFE_ENUM =
  'Safe pattern: `with op.get_context().autocommit_block(): op.execute("ALTER TYPE ... ADD VALUE ...")`, which commits before it and after it.';

/**
 * ALTER TYPE ... ADD VALUE in the migration's transaction. PostgreSQL 12+ runs it, but refuses to use the new
 * value until the transaction commits ("unsafe use of new value"); before 12 it refuses the statement itself.
 * A use later in this upgrade() fails everywhere; without one, what fails depends on the transaction: with
 * transaction_per_migration=True it ends with this migration (no finding: only the end-of-life PostgreSQL 11
 * and older refuse), else it spans the whole `alembic upgrade` run, and a later migration may use the value.
 */
function enumValue(
  sql: string,
  line: number,
  upgrade: Statement[],
  scopes: StatementScopes,
  transactionPerMigration: boolean | undefined,
  report: RuleReport,
): void {
  const what = `op.execute("${shortSql(sql)}")`;
  for (const match of sql.matchAll(ENUM_LABEL)) {
    const label = match[1].replace(/''/g, "'");
    const use = useInTransaction(label, sql.slice((match.index ?? 0) + match[0].length), line, upgrade, scopes);
    if (use !== undefined) {
      report(
        'enum-value-in-transaction',
        `${what} adds the enum value '${label}' inside the migration's transaction, and line ${use} uses '${label}' in the same transaction: ` +
          'this fails on every PostgreSQL version (before 12 ALTER TYPE ... ADD VALUE cannot run inside a transaction block; ' +
          'from 12 "unsafe use of new value": a new enum value cannot be used until the transaction that added it commits). ' +
          SAFE_ENUM,
        line,
      );
      return;
    }
  }
  if (transactionPerMigration) return;
  const configure =
    transactionPerMigration === false
      ? 'env.py does not set transaction_per_migration=True, so that transaction spans every migration of the `alembic upgrade` run'
      : 'unless env.py sets transaction_per_migration=True, that transaction spans every migration of the `alembic upgrade` run';
  report(
    'enum-value-in-transaction',
    `${what} adds an enum value inside the migration's transaction: PostgreSQL before 12 refuses it (ALTER TYPE ... ADD VALUE cannot run inside a transaction block). ` +
      `From 12 it runs, but the new value cannot be used until the transaction commits, and ${configure}: a later migration that uses the value in the same run fails. ` +
      SAFE_ENUM,
    line,
  );
}

/** The line of a use of `label` after the ADD VALUE and before the transaction ends (a later autocommit_block() commits it). */
function useInTransaction(
  label: string,
  restOfSql: string,
  line: number,
  upgrade: Statement[],
  scopes: StatementScopes,
): number | undefined {
  const quoted = `'${label.replace(/'/g, "''")}'`;
  if (restOfSql.includes(quoted)) return line;
  for (const statement of upgrade) {
    if (statement.line <= line) continue;
    if (scopes.inAutocommitBlock(statement.line)) return undefined;
    const tokens = statement.tokens;
    const brackets = matchBrackets(tokens);
    for (let i = 0; i < tokens.length; i++) {
      const tk = tokens[i];
      // Enum('a', 'archived', name=...) defines a type: naming the label there is no use of the value.
      if (tk.t === 'name' && /^(Enum|ENUM)$/.test(tk.v) && tokens[i + 1]?.v === '(') {
        i = brackets.get(i + 1) ?? i;
        continue;
      }
      if (tk.t === 'str' && (tk.v === label || tk.v.includes(quoted))) return tk.line;
    }
  }
  return undefined;
}

function reportOutsideAutocommit(report: RuleReport, what: string, line: number) {
  report(
    'concurrent-index-outside-autocommit',
    `${what} runs inside the migration's transaction, and PostgreSQL refuses it: ` +
      '"CREATE INDEX CONCURRENTLY cannot run inside a transaction block". ' +
      'Safe pattern: put it in `with op.get_context().autocommit_block():`, which commits the transaction before it.',
    line,
  );
}

function volatileDefault(op: MigrationCall, report: RuleReport): void {
  const column = op.arg('column');
  const serverDefault = column?.k === 'call' ? keyword(column, 'server_default') : undefined;
  if (!serverDefault) return;
  const rendered = renderExpr(serverDefault);
  const fn = VOLATILE_DEFAULT.exec(rendered)?.[1];
  if (!fn) return;
  report(
    'volatile-server-default',
    `${describeCall(op)} adds ${op.table}.${op.column ?? '?'} with server_default=${rendered}: ${fn}() is VOLATILE, so PostgreSQL ` +
      `computes it for every existing row, rewriting the whole table under an ACCESS EXCLUSIVE lock (a constant or STABLE ` +
      'default such as now() is stored once, without a rewrite, since PostgreSQL 11). ' +
      'Safe pattern: add the column without the default, set the default with op.alter_column(..., server_default=...) ' +
      '(only new rows get it), and backfill the existing rows in batches.',
    op.line,
  );
}

function notValid(op: MigrationCall, report: RuleReport): void {
  const kind = op.op === 'create_foreign_key' ? 'foreign key' : 'check constraint';
  // ADD FOREIGN KEY takes SHARE ROW EXCLUSIVE on both tables; ADD CHECK takes ACCESS EXCLUSIVE (reads wait too).
  const locked =
    op.op === 'create_foreign_key'
      ? `writes to ${op.table} and to the table it references`
      : `every read and write of ${op.table}`;
  report(
    op.op === 'create_foreign_key'
      ? 'create-foreign-key-without-not-valid'
      : 'create-check-constraint-without-not-valid',
    `${describeCall(op)} adds a ${kind} to ${op.table}, which has rows: PostgreSQL checks every row while it blocks ${locked}. ` +
      `Safe pattern: add it with postgresql_not_valid=True (new rows are checked at once, the lock is brief), then ` +
      `validate it in a later step: op.execute("ALTER TABLE ${op.table} VALIDATE CONSTRAINT ${op.name ?? '<name>'}"), ` +
      'which checks the old rows without blocking writes.',
    op.line,
  );
}

function shortSql(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}
