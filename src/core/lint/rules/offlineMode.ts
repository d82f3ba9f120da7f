// Offline mode (`alembic upgrade --sql`) runs upgrade() against a mock connection that only writes SQL
// out: op.execute() returns None and the mock cannot be inspected, so reading rows or the schema fails.
// (op.get_bind() itself works there, and so does its .dialect: only what reads a result is reported.)
import type { PyToken } from '../../python';
import type { LintRule } from '../rules';
import { evaluatedOnlyOnline } from './offlineGuards';
import type { RevisionRuleFamily } from './ruleInput';

const rules: LintRule[] = [
  {
    code: 'offline-mode-unsafe',
    severity: 'warning',
    scope: 'revision',
    summary:
      'upgrade() reads rows or inspects the schema without a context.is_offline_mode() guard: `alembic upgrade --sql` fails on it',
  },
];

const RESULT_METHODS = new Set([
  'fetchall',
  'fetchone',
  'fetchmany',
  'scalar',
  'scalars',
  'scalar_one',
  'scalar_one_or_none',
  'first',
  'one',
  'one_or_none',
  'all',
  'mappings',
]);

export const offlineModeRules: RevisionRuleFamily = {
  rules,
  check({ scopes }, report) {
    for (const statement of scopes.upgradeStatements) {
      const reads = onlineOnlyCalls(statement.tokens);
      if (!reads.length || scopes.statementOnlineOnly(statement)) continue;
      // `if not context.is_offline_mode() and conn.execute(...).scalar():` reads only online.
      const unguarded = reads.find((r) => !evaluatedOnlyOnline(statement.tokens, r.index, scopes.offlineTests));
      if (!unguarded) continue;
      report(
        'offline-mode-unsafe',
        `${unguarded.what} needs a live database: in offline mode (\`alembic upgrade --sql\`) op.execute() returns None and the ` +
          'connection is a mock that only writes SQL, so this line fails with an AttributeError and no script is produced. ' +
          'Safe pattern: wrap the part that reads in `if not context.is_offline_mode():` (import context from alembic), ' +
          'and write the change as SQL that needs no answer (UPDATE ... WHERE ..., INSERT ... SELECT ...).',
        // The statement's first line, where a suppression comment goes (a multi-line call ends lines later).
        statement.line,
      );
    }
  },
};

/** The calls of a statement that read a result or the schema: `.fetchall()`, `sa.inspect(...)`... */
function onlineOnlyCalls(tokens: readonly PyToken[]): Array<{ what: string; index: number }> {
  const found: Array<{ what: string; index: number }> = [];
  for (let i = 0; i + 1 < tokens.length; i++) {
    const tk = tokens[i];
    if (tk.t !== 'name' || tokens[i + 1].v !== '(') continue;
    const afterDot = tokens[i - 1]?.t === 'op' && tokens[i - 1].v === '.';
    if (tk.v === 'inspect' && (!afterDot || /^(sa|sqlalchemy)$/.test(tokens[i - 2]?.v ?? '')))
      found.push({ what: `${afterDot ? `${tokens[i - 2].v}.` : ''}inspect(...)`, index: i });
    else if (afterDot && RESULT_METHODS.has(tk.v)) found.push({ what: `.${tk.v}()`, index: i });
    else if (afterDot && tk.v === 'from_engine' && tokens[i - 2]?.v === 'Inspector')
      found.push({ what: 'Inspector.from_engine(...)', index: i });
  }
  return found;
}
