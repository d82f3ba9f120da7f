// Conventions some teams enforce and others do not: off unless turned on (`--severity rule=warning`,
// `alembic.lint.severities`).
import { type CallExpr, type MigrationCall, primaryKeyConstraintNames } from '../../models/migrationOps';
import { calleeName, keyword, type PyExpr, renderExpr, stringValue } from '../../python';
import type { LintRule } from '../rules';
import { createdEarlier, describeCall, isTrueConst, type RevisionRuleFamily } from './ruleInput';

const rules: LintRule[] = [
  {
    code: 'datetime-without-timezone',
    severity: 'warning',
    off: true,
    scope: 'revision',
    summary: 'a DateTime column without timezone=True: values are stored without their offset (opt-in)',
    // Where timezone=True changes the column type (TIMESTAMPTZ, TIMESTAMP WITH TIME ZONE, DATETIMEOFFSET):
    // SQLite and MySQL ignore it.
    dialects: ['postgresql', 'oracle', 'mssql'],
  },
  {
    code: 'integer-primary-key',
    severity: 'warning',
    off: true,
    scope: 'revision',
    summary: 'an Integer primary key: 2^31 ids run out on a busy table; BigInteger does not (opt-in)',
  },
  {
    code: 'missing-lock-timeout',
    severity: 'warning',
    off: true,
    scope: 'revision',
    summary: 'a locking operation with no `SET lock_timeout` before it: it can queue every query behind it (opt-in)',
    dialects: ['postgresql'],
  },
];

/** Operations that take an ACCESS EXCLUSIVE (or SHARE) lock on a table that already exists. */
const LOCKING = new Set([
  'add_column',
  'drop_column',
  'alter_column',
  'drop_table',
  'rename_table',
  'create_index',
  'drop_index',
  'create_foreign_key',
  'create_unique_constraint',
  'create_check_constraint',
  'create_primary_key',
  'drop_constraint',
]);

export const optInRules: RevisionRuleFamily = {
  rules,
  check({ migration, dialect }, report) {
    const up = migration.upgrade;
    if (!up) return;
    for (const op of up.ops) {
      const keyColumns = op.op === 'create_table' ? primaryKeyConstraintNames(op.call.args).names : new Set<string>();
      for (const column of columnsOf(op)) {
        const type = columnType(column);
        if (!type) continue;
        const name = type.k === 'call' ? calleeName(type) : renderExpr(type).split('.').pop();
        if (name === 'DateTime' && !isTrueConst(type.k === 'call' ? keyword(type, 'timezone') : undefined)) {
          report(
            'datetime-without-timezone',
            `${describeCall(op)}: ${renderExpr(type)} is TIMESTAMP WITHOUT TIME ZONE on PostgreSQL: the offset of each value is ` +
              'dropped, and values written from servers in different zones cannot be compared. ' +
              'Safe pattern: sa.DateTime(timezone=True) (TIMESTAMPTZ), and timezone-aware datetimes in the code.',
            type.line,
          );
        }
        const primary =
          isTrueConst(keyword(column, 'primary_key')) || keyColumns.has(stringValue(column.args[0]) ?? '');
        // SQLite's INTEGER PRIMARY KEY is the 64-bit rowid (and a BIGINT one would not autoincrement).
        if (/^(Integer|INTEGER|SmallInteger)$/.test(name ?? '') && primary && dialect !== 'sqlite') {
          report(
            'integer-primary-key',
            `${describeCall(op)}: ${renderExpr(type)} primary key: a 32-bit id runs out after 2,147,483,647 rows, ` +
              'and widening it later rewrites the table and every foreign key pointing at it. Safe pattern: sa.BigInteger().',
            type.line,
          );
        }
      }
    }
    const isNew = createdEarlier(up);
    const lockTimeoutAt = up.executes.find((e) => e.sql !== undefined && /\block_timeout\b/i.test(e.sql))?.line;
    const firstLocking = up.ops.find((op) => LOCKING.has(op.op) && !isNew(op));
    if (firstLocking && (lockTimeoutAt === undefined || lockTimeoutAt > firstLocking.line)) {
      report(
        'missing-lock-timeout',
        `${describeCall(firstLocking)} waits for its lock on ${firstLocking.table} behind any long transaction, and every ` +
          'query of the table queues behind it meanwhile: a short migration can stall the application. ' +
          'Safe pattern: op.execute("SET lock_timeout = \'5s\'") first, so the migration fails fast instead, and retry it.',
        firstLocking.line,
      );
    }
  },
};

function columnsOf(op: MigrationCall): CallExpr[] {
  const candidates =
    op.op === 'create_table' ? op.call.args.slice(1) : op.op === 'add_column' ? [op.arg('column')] : [];
  return candidates.filter((a): a is CallExpr => a?.k === 'call' && calleeName(a) === 'Column');
}

/** Column('name', Type, ...) or Column(Type, ...), or type_= */
function columnType(column: CallExpr): PyExpr | undefined {
  const positional = column.args[0]?.k === 'str' ? column.args[1] : column.args[0];
  return keyword(column, 'type_') ?? positional;
}
