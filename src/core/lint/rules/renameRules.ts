// Renames break the code that is still running: during a deploy the previous release reads and writes
// the old name until it is replaced, and a rollback of the code meets the new one.
import type { LintRule } from '../rules';
import { createdEarlier, describeCall, type RevisionRuleFamily } from './ruleInput';

const rules: LintRule[] = [
  {
    code: 'rename-table',
    severity: 'warning',
    scope: 'revision',
    summary: 'upgrade() renames a table: the running release still uses the old name and fails until it is replaced',
  },
  {
    code: 'rename-column',
    severity: 'warning',
    scope: 'revision',
    summary: 'upgrade() renames a column: the running release still uses the old name and fails until it is replaced',
  },
];

export const renameRules: RevisionRuleFamily = {
  rules,
  check({ migration }, report) {
    const up = migration.upgrade;
    if (!up) return;
    const isNew = createdEarlier(up);
    // A column added earlier in this upgrade() has no readers yet (copy into a new column, then rename).
    const added = new Map<string, number>();
    for (const op of up.ops) if (op.op === 'add_column' && op.column) added.set(`${op.table}.${op.column}`, op.line);
    for (const op of up.ops) {
      if (isNew(op) || (added.get(`${op.table}.${op.column}`) ?? Number.POSITIVE_INFINITY) < op.line) continue;
      if (op.op === 'rename_table' && op.newName) {
        report(
          'rename-table',
          `${describeCall(op)} renames '${op.table}' to '${op.newName}': the release still running during the deploy ` +
            `queries '${op.table}' and fails until it is replaced, and rolling the code back meets '${op.newName}'. ` +
            `Safe pattern: expand and contract. Create '${op.newName}' (or a view named '${op.newName}' over '${op.table}'), ` +
            'switch the code to it in one release, and drop the old name in a later migration.',
          op.line,
        );
      }
      if (op.op === 'alter_column' && op.newName && op.column) {
        report(
          'rename-column',
          `${describeCall(op)} renames ${op.table}.${op.column} to '${op.newName}': the release still running during the ` +
            `deploy reads and writes '${op.column}' and fails until it is replaced. Safe pattern: expand and contract. ` +
            `Add '${op.newName}', write both columns and backfill it, switch the reads in the next release, ` +
            `then drop '${op.column}' in a later migration.`,
          op.line,
        );
      }
    }
  },
};
