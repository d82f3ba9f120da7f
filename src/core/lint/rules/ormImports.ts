// A migration that imports the application's models runs against the models of the day it is run, not
// of the day it was written: once a model changes (a column renamed, a class removed) the old revision
// does something else, or no longer imports at all, and a fresh database cannot be built from history.
// Only what maps tables counts: a mapped class, a Table object, the declarative base, a module of them.
// A column type, an Enum or a constant that lives beside the models does not change the schema a
// migration builds. Which names those are comes from the model discovery (env.py's target_metadata
// followed to the model modules, modelFiles.ts); when it is unknown, every name but a constant in
// capitals is reported, since it may be a model.
import { sha1Hex } from '../../lazyCrypto';
import type { ModelDiscovery } from '../../models/modelFiles';
import { isTypeCheckingTest, readImport } from '../../python';
import type { LintRule } from '../rules';
import type { RevisionRuleFamily } from './ruleInput';
import { firstToken, type Statement } from './statementScopes';

const rules: LintRule[] = [
  {
    code: 'migration-imports-models',
    severity: 'warning',
    scope: 'revision',
    summary:
      "a migration imports the application's models: it changes meaning, or stops importing, when the models change",
  },
];

/** What the project's models are called, from its model discovery: the facts the rule resolves imports with. */
export interface ModelNames {
  /** Identifies these names in the lint's cache key: findings change when the models do. */
  key: string;
  /** Mapped classes, Table objects and declarative bases -> what each is. */
  names: Map<string, string>;
  /** The dotted names of the modules that define them. */
  modules: string[];
}

/**
 * The names the model discovery found, or undefined when it cannot vouch that a name it lacks is no
 * model: no discovery, no model found, or models read only in part (`partial`).
 */
export function modelNamesOf(discovery: ModelDiscovery | undefined): ModelNames | undefined {
  if (!discovery || discovery.partial || !discovery.files.some((f) => f.classes.length)) return undefined;
  const names = new Map<string, string>();
  const modules = new Set<string>();
  for (const file of [...discovery.files, ...(discovery.unimported ?? [])]) {
    if (!file.classes.length) continue;
    modules.add(file.module);
    for (const c of file.classes)
      if (!names.has(c.name)) names.set(c.name, c.kind === 'table' ? 'a Table' : 'a mapped class');
  }
  for (const base of discovery.bases ?? []) {
    if (!names.has(base.name)) names.set(base.name, 'the declarative base');
    if (base.module) modules.add(base.module);
  }
  const sortedModules = [...modules].sort();
  const key = sha1Hex(JSON.stringify([[...names].sort(), sortedModules]), 16);
  return { key, names, modules: sortedModules };
}

/** Libraries whose modules may be called `models` without being the application's. */
const LIBRARIES = /^(sqlalchemy|sqlmodel|alembic|django|pydantic|geoalchemy2|sqlalchemy_utils|fastapi_users\w*)(\.|$)/;
const MODELS = /^models?$/;
/** `MAX_LENGTH`: by convention a constant, never a class. */
const CONSTANT = /^[A-Z][A-Z0-9]*_[A-Z0-9_]*$|^[A-Z]{2,}[0-9]*$/;

export const ormImportRules: RevisionRuleFamily = {
  rules,
  check({ scopes, modelNames }, report) {
    for (const statement of scopes.statements) {
      const first = firstToken(statement);
      if (first?.t !== 'name' || (first.v !== 'from' && first.v !== 'import')) continue;
      if (underTypeChecking(statement)) continue;
      const found = modelImport(statement, modelNames);
      if (!found) continue;
      const what = found.names.length ? ` (${found.names.join(', ')})` : '';
      report(
        'migration-imports-models',
        `This revision imports ${found.module}, the application's models${what}: it will run against the models of the day it is run, ` +
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

/** `if TYPE_CHECKING:` (not its else, not `if not TYPE_CHECKING:`): only type checkers read it. */
function underTypeChecking(statement: Statement): boolean {
  return statement.blocks.some((b) => b.keyword === 'if' && isTypeCheckingTest(b.header.slice(1)));
}

/**
 * The module a statement imports models from, as the message shows it (`from a import models` ->
 * a.models), and the model names it imports when the models are known; undefined when it imports none.
 */
function modelImport(
  statement: Statement,
  models: ModelNames | undefined,
): { module: string; names: string[] } | undefined {
  const shown: string[] = [];
  const names: string[] = [];
  for (const stmt of readImport(statement.tokens, statement.line, false, false)) {
    const dots = '.'.repeat(stmt.level);
    if (LIBRARIES.test(stmt.module)) continue;
    const inModels = stmt.module.split('.').some((part) => MODELS.test(part));
    if (stmt.kind === 'import') {
      if (!inModels || (models && !isModelModule(stmt.module, models))) continue;
      shown.push(stmt.module);
      continue;
    }
    for (const { name } of stmt.names) {
      const full = `${stmt.module ? `${stmt.module}.` : ''}${name}`;
      if (!inModels && !MODELS.test(name)) continue;
      let model: string | undefined;
      if (!models) {
        if (CONSTANT.test(name)) continue;
      } else if (name === '*') {
        if (!isModelModule(stmt.module, models)) continue;
      } else {
        model = models.names.get(name);
        // A submodule imported by name: a model module, or its package.
        if (!model && !isModelModule(full, models)) continue;
      }
      if (model) names.push(`${name} (${model})`);
      const module = `${dots}${MODELS.test(name) ? full : stmt.module}`;
      if (!shown.includes(module)) shown.push(module);
    }
  }
  return shown.length ? { module: shown.join(', '), names } : undefined;
}

/** The module defines models, or is a package of such modules; `models` by name when it is no known module. */
function isModelModule(dotted: string, models: ModelNames): boolean {
  return (
    MODELS.test(dotted.split('.').pop() ?? '') || models.modules.some((m) => m === dotted || m.startsWith(`${dotted}.`))
  );
}
