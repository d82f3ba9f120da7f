// The lint rules of alembic-lens: one stable code each, a default severity, and a one-line summary
// (`alembic-lens check --rules` prints them). Options choose severities (`off` disables a rule) and
// the database dialect the dialect-specific rules need.
import type { Severity } from '../problems';
import type { ModelNames } from './rules/ormImports';
import { PROJECT_RULES, REVISION_RULE_FAMILIES } from './rules/registry';

export type RuleSeverity = Severity | 'off';

/** SQLAlchemy dialect names (`postgresql`, `sqlite`, `mysql`, `mariadb`, `mssql`, `oracle`, ...). */
export type Dialect = 'postgresql' | 'sqlite' | 'mysql' | 'mariadb' | 'mssql' | 'oracle' | (string & {});

export interface LintOptions {
  /** Per-rule severity; `off` disables the rule. */
  severities?: Record<string, RuleSeverity>;
  /** The database the migrations run on; inferred from the project's URL by lintProject when absent. */
  dialect?: Dialect;
  /** env.py passes render_as_batch=True to context.configure() (envLintOptions); undefined when env.py was not read. */
  renderAsBatch?: boolean;
  /** The names of the project's models (modelNamesOf(discovery)), for migration-imports-models; undefined when unknown. */
  modelNames?: ModelNames;
  /** env.py passes transaction_per_migration=True (envLintOptions): each migration commits on its own. */
  transactionPerMigration?: boolean;
}

export type RuleScope = 'revision' | 'env.py' | 'config' | 'history';

export interface LintRule {
  code: string;
  severity: Severity;
  scope: RuleScope;
  summary: string;
  /** Only for these dialects. */
  dialects?: Dialect[];
  /** Opt-in: off unless a severity is set for it. */
  off?: boolean;
}

export const LINT_RULES: readonly LintRule[] = [
  {
    code: 'drop-table',
    severity: 'warning',
    scope: 'revision',
    summary: 'upgrade() drops a table: its data is gone, downgrade() cannot bring it back',
  },
  {
    code: 'drop-column',
    severity: 'warning',
    scope: 'revision',
    summary: 'upgrade() drops a column: its data is gone, and code still reading it breaks during the deploy',
  },
  {
    code: 'alter-column-type',
    severity: 'warning',
    scope: 'revision',
    summary: 'upgrade() changes a column type: a table rewrite under lock, failing on values that do not convert',
  },
  {
    code: 'alter-column-not-null',
    severity: 'warning',
    scope: 'revision',
    summary: 'upgrade() makes a column NOT NULL without backfilling it first',
  },
  {
    code: 'add-column-not-null-without-default',
    severity: 'warning',
    scope: 'revision',
    summary: 'upgrade() adds a NOT NULL column without server_default: fails on a table with rows',
  },
  {
    code: 'create-index-not-concurrently',
    severity: 'warning',
    scope: 'revision',
    summary: 'upgrade() creates an index without postgresql_concurrently=True: writes are blocked while it builds',
    dialects: ['postgresql'],
  },
  {
    code: 'rename-as-drop-add',
    severity: 'warning',
    scope: 'revision',
    summary:
      'upgrade() drops a column and adds one with the same type and a resembling name: a rename that loses the data',
  },
  {
    code: 'empty-downgrade',
    severity: 'warning',
    scope: 'revision',
    summary: 'downgrade() is empty while upgrade() changes more than rows and enum values',
  },
  {
    code: 'empty-autogenerate',
    severity: 'warning',
    scope: 'revision',
    summary: 'upgrade() is empty although the message announces a change: autogenerate saw no models',
  },
  {
    code: 'target-metadata-none',
    severity: 'warning',
    scope: 'env.py',
    summary: 'env.py sets target_metadata = None: autogenerate has no models',
  },
  {
    code: 'models-not-imported',
    severity: 'warning',
    scope: 'env.py',
    summary: 'a module with mapped classes is never imported from env.py: autogenerate does not see its models',
  },
  {
    code: 'placeholder-url',
    severity: 'warning',
    scope: 'config',
    summary: "sqlalchemy.url is the template's placeholder and env.py sets no other URL",
  },
  {
    code: 'multiple-heads',
    severity: 'error',
    scope: 'history',
    summary:
      'several heads not on separate labelled branches (an accidental fork; a head whose branch label no other head has is by design): `alembic upgrade head` and autogenerate refuse to run',
  },
  {
    code: 'merge-heads',
    severity: 'error',
    scope: 'history',
    summary:
      'with `check --base REF` (or alembic.git.baseBranch): merging this branch into REF forks the history (each side added a revision on the same head), so `alembic upgrade head` fails after a merge git reports as clean',
  },
  {
    code: 'unknown-ignore-rule',
    severity: 'warning',
    scope: 'revision',
    summary:
      'an `# alembic-lens: ignore[...]` comment (in a revision file or env.py) names a rule that does not exist, a typo: it silences nothing',
  },
  ...REVISION_RULE_FAMILIES.flatMap((family) => family.rules),
  ...PROJECT_RULES,
];

const BY_CODE = new Map(LINT_RULES.map((r) => [r.code, r]));

export function isLintRule(code: string): boolean {
  return BY_CODE.has(code);
}

export function lintRule(code: string): LintRule | undefined {
  return BY_CODE.get(code);
}

/** Where a rule is documented, relative to the repository's (and the installed extension's) root. */
export function ruleDocPath(code: string): string | undefined {
  return BY_CODE.has(code) ? `docs/rules/${code}.md` : undefined;
}

/** The severity a rule's problems get under `options` (`off` when disabled). */
export function severityOf(code: string, options: LintOptions = {}): RuleSeverity {
  const rule = BY_CODE.get(code);
  return options.severities?.[code] ?? (rule?.off ? 'off' : (rule?.severity ?? 'warning'));
}

/**
 * Parses `rule=level` (the CLI's `--severity`): level is error, warning, info or off; `all=level`
 * sets every rule. Returns an error message for anything else.
 */
export function parseSeveritySetting(text: string, into: Record<string, RuleSeverity>): string | undefined {
  const match = /^\s*([\w-]+)\s*[=:]\s*(error|warning|info|off)\s*$/.exec(text);
  if (!match) return `'${text}': expected rule=level with level one of error, warning, info, off`;
  const [, code, level] = match;
  if (code === 'all') {
    for (const rule of LINT_RULES) into[rule.code] = level as RuleSeverity;
    return undefined;
  }
  if (!BY_CODE.has(code)) return `unknown rule '${code}'; known: ${LINT_RULES.map((r) => r.code).join(', ')}`;
  into[code] = level as RuleSeverity;
  return undefined;
}
