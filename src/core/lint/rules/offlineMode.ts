// Offline mode (`alembic upgrade --sql`) runs upgrade() against a mock connection that only writes SQL
// out: op.execute() returns None and the mock cannot be inspected, so reading rows or the schema fails.
// (op.get_bind() itself works there, and so does its .dialect: only what reads a result is reported.)
import type { PyToken } from '../../python';
import type { LintRule } from '../rules';
import type { RevisionRuleFamily } from './ruleInput';
import { upgradeStatements } from './statementScopes';

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
    for (const statement of upgradeStatements(scopes)) {
      const reads = onlineOnlyCall(statement.tokens);
      if (!reads || scopes.onlineOnly(reads.line)) continue;
      report(
        'offline-mode-unsafe',
        `${reads.what} needs a live database: in offline mode (\`alembic upgrade --sql\`) op.execute() returns None and the ` +
          'connection is a mock that only writes SQL, so this line fails with an AttributeError and no script is produced. ' +
          'Safe pattern: wrap the part that reads in `if not context.is_offline_mode():` (import context from alembic), ' +
          'and write the change as SQL that needs no answer (UPDATE ... WHERE ..., INSERT ... SELECT ...).',
        reads.line,
      );
    }
  },
};

/** The first call of a statement that reads a result or the schema: `.fetchall()`, `sa.inspect(...)`... */
function onlineOnlyCall(tokens: readonly PyToken[]): { what: string; line: number } | undefined {
  for (let i = 0; i + 1 < tokens.length; i++) {
    const tk = tokens[i];
    if (tk.t !== 'name' || tokens[i + 1].v !== '(') continue;
    const afterDot = tokens[i - 1]?.t === 'op' && tokens[i - 1].v === '.';
    if (tk.v === 'inspect' && (!afterDot || /^(sa|sqlalchemy)$/.test(tokens[i - 2]?.v ?? '')))
      return { what: `${afterDot ? `${tokens[i - 2].v}.` : ''}inspect(...)`, line: tk.line };
    if (afterDot && RESULT_METHODS.has(tk.v)) return { what: `.${tk.v}()`, line: tk.line };
    if (afterDot && tk.v === 'from_engine' && tokens[i - 2]?.v === 'Inspector')
      return { what: 'Inspector.from_engine(...)', line: tk.line };
  }
  return undefined;
}
