// SQLite's ALTER TABLE can add, rename and drop columns and rename tables, nothing else: Alembic sends
// `ALTER COLUMN` (a syntax error there) or refuses constraint changes outright ("No support for ALTER
// of constraints in SQLite dialect"). `with op.batch_alter_table(...)` copies the table instead.
import type { LintRule } from '../rules';
import { describeCall, type RevisionRuleFamily } from './ruleInput';

const rules: LintRule[] = [
  {
    code: 'sqlite-alter-outside-batch',
    severity: 'error',
    scope: 'revision',
    summary:
      'upgrade() alters a column or a constraint outside op.batch_alter_table() on SQLite, which cannot do it: the migration fails',
    dialects: ['sqlite'],
  },
];

const CONSTRAINT_OPS = new Set([
  'drop_constraint',
  'create_foreign_key',
  'create_unique_constraint',
  'create_check_constraint',
  'create_primary_key',
]);
/** alter_column keywords that only describe the column as it is: they change nothing on their own. */
const DESCRIPTIVE = /^(existing_\w+|new_column_name|schema)$/;

export const sqliteBatchRules: RevisionRuleFamily = {
  rules,
  check({ migration, dialect, renderAsBatch }, report) {
    const up = migration.upgrade;
    if (!up || dialect !== 'sqlite') return;
    const autogenerate =
      renderAsBatch === false
        ? ' env.py does not pass render_as_batch=True to context.configure(), so autogenerate writes such operations this way.'
        : '';
    for (const op of up.ops) {
      if (op.batch) continue;
      // A rename alone works (SQLite 3.25+); any other change of the column does not.
      const alters = op.op === 'alter_column' && op.call.kwargs.some((k) => !DESCRIPTIVE.test(k.name));
      if (!alters && !CONSTRAINT_OPS.has(op.op)) continue;
      report(
        'sqlite-alter-outside-batch',
        `${describeCall(op)} fails on SQLite, whose ALTER TABLE cannot change a column or a constraint ` +
          `(Alembic sends ALTER COLUMN, or refuses: "No support for ALTER of constraints in SQLite dialect").${autogenerate} ` +
          `Safe pattern: \`with op.batch_alter_table('${op.table}') as batch_op: batch_op.${op.op}(...)\`, which copies the table ` +
          '(and render_as_batch=True in env.py for the next autogenerate).',
        op.line,
      );
    }
  },
};
