// A migration that imports the application's models runs against the models of the day it is run, not
// of the day it was written: once a model changes (a column renamed, a class removed) the old revision
// does something else, or no longer imports at all, and a fresh database cannot be built from history.
import type { PyToken } from '../../python';
import type { LintRule } from '../rules';
import type { RevisionRuleFamily } from './ruleInput';

const rules: LintRule[] = [
  {
    code: 'migration-imports-models',
    severity: 'warning',
    scope: 'revision',
    summary:
      "a migration imports the application's models: it changes meaning, or stops importing, when the models change",
  },
];

/** Libraries whose modules may be called `models` without being the application's. */
const LIBRARIES = /^(sqlalchemy|sqlmodel|alembic|django|pydantic|geoalchemy2|sqlalchemy_utils|fastapi_users\w*)(\.|$)/;

export const ormImportRules: RevisionRuleFamily = {
  rules,
  check({ scopes }, report) {
    for (const statement of scopes.statements) {
      const module = importedModule(statement.tokens);
      if (!module || LIBRARIES.test(module) || !module.split('.').some((part) => /^models?$/.test(part))) continue;
      report(
        'migration-imports-models',
        `This revision imports ${module}, the application's models: it will run against the models of the day it is run, ` +
          'not of the day it was written, so when a model changes (a column renamed, a class removed) this migration does ' +
          'something else or fails to import, and the database can no longer be built from the history. ' +
          'Safe pattern: describe the tables you need inside the migration, as they are at this revision: ' +
          "`users = sa.table('users', sa.column('id', sa.Integer), sa.column('email', sa.String))`, then " +
          'op.execute(users.update()...) or op.bulk_insert(users, [...]).',
        statement.line,
      );
    }
  },
};

/** `from a.b import X` -> a.b; `from a import models` -> a.models; `import a.b` -> a.b. */
function importedModule(tokens: readonly PyToken[]): string | undefined {
  const first = tokens[0];
  if (first?.t !== 'name' || (first.v !== 'from' && first.v !== 'import')) return undefined;
  let module = '';
  let i = 1;
  for (; i < tokens.length; i++) {
    const tk = tokens[i];
    if ((tk.t === 'name' && (tk.v === 'import' || tk.v === 'as')) || (tk.t === 'op' && tk.v === ',')) break;
    module += tk.v;
  }
  if (first.v === 'from' && tokens[i]?.v === 'import') {
    const models = tokens.slice(i + 1).find((tk) => tk.t === 'name' && /^models?$/.test(tk.v));
    if (models) module = `${module}.${models.v}`;
  }
  return module || undefined;
}
