// What a rule of src/core/lint/rules/ gets: one revision file already read once (its operations, its
// tokens and where each statement stands), and the facts of the project it needs (the dialect, env.py's batch mode). A rule family
// declares its rules and reports findings through `report`; revisionRules.ts applies dialects,
// severities and suppressions.
import type { MigrationCall, MigrationFunction, ParsedMigration, TableOp } from '../../models/migrationOps';
import type { PyExpr, PySource } from '../../python';
import type { LintOptions, LintRule } from '../rules';
import type { UpgradeExecutes } from './dataChanges';
import type { StatementScopes } from './statementScopes';

/** The project's facts a revision rule reads, as LintOptions documents them. */
export type RevisionFacts = Pick<LintOptions, 'dialect' | 'renderAsBatch' | 'modelNames' | 'transactionPerMigration'>;

export interface RevisionRuleInput extends RevisionFacts {
  migration: ParsedMigration;
  source: PySource;
  /** The statements of `source` with their enclosing blocks (function, autocommit, offline and dialect guards). */
  scopes: StatementScopes;
  /** What upgrade()'s execute calls run (dataChanges.ts), read on first use. */
  upgradeExecutes(): UpgradeExecutes;
}

export type RuleReport = (code: string, message: string, line: number) => void;

export interface RevisionRuleFamily {
  rules: readonly LintRule[];
  check(input: RevisionRuleInput, report: RuleReport): void;
}

/**
 * Whether an operation's table was created earlier in the same upgrade(): such a table has no rows
 * and no readers yet, so what locks or fails on rows cannot hurt there.
 */
export function createdEarlier(up: MigrationFunction): (op: MigrationCall) => boolean {
  const before = createdBefore(up);
  return (op) => before(op.table, op.schema, op.line);
}

/** `CREATE [TEMP|UNLOGGED] TABLE [IF NOT EXISTS] [schema.]name` in SQL, comments taken out first. */
const CREATE_TABLE =
  /\bcreate\s+(?:(?:global|local)\s+)?(?:(?:temp|temporary|unlogged)\s+)?table\s+(?:if\s+not\s+exists\s+)?((?:[\w$]+|"[^"]+"|`[^`]+`|\[[^\]]+\])(?:\s*\.\s*(?:[\w$]+|"[^"]+"|`[^`]+`|\[[^\]]+\]))*)/gi;

/**
 * Whether a table was created earlier in the same upgrade(), by op.create_table or by CREATE TABLE in
 * op.execute's SQL (same schema, `public` being the default one): it holds only what this upgrade() put there.
 */
export function createdBefore(
  up: MigrationFunction,
): (table: string, schema: string | undefined, line: number) => boolean {
  const createdAt = new Map<string, number>();
  const note = (table: string, schema: string | undefined, line: number): void => {
    const key = tableKey(table, schema);
    if (!createdAt.has(key)) createdAt.set(key, line);
  };
  for (const op of up.ops) if (op.op === 'create_table') note(op.table, op.schema, op.line);
  for (const { line, sql } of up.executes) {
    // Most SQL of a data migration creates nothing: one quick test before the comments and the long pattern.
    if (sql === undefined || !CREATE_WORD.test(sql)) continue;
    const code = withoutSqlComments(sql);
    CREATE_TABLE.lastIndex = 0;
    for (let m = CREATE_TABLE.exec(code); m; m = CREATE_TABLE.exec(code)) {
      const parts = m[1].split(/\s*\.\s*/).map((p) => p.replace(/^["`[]|["`\]]$/g, ''));
      note(parts[parts.length - 1], parts.length > 1 ? parts[parts.length - 2] : undefined, line);
    }
  }
  return (table, schema, line) => (createdAt.get(tableKey(table, schema)) ?? Number.POSITIVE_INFINITY) < line;
}

const CREATE_WORD = /create/i;

/** SQL with its line and block comments replaced by a space (the same text when it has none). */
export function withoutSqlComments(sql: string): string {
  if (!sql.includes('--') && !sql.includes('/*')) return sql;
  return sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ');
}

function tableKey(table: string, schema: string | undefined): string {
  const s = (schema ?? '').toLowerCase();
  return `${s === 'public' ? '' : s}.${table.toLowerCase()}`;
}

/**
 * Whether an operation's table is dropped later in the same upgrade() (same schema): what it does to
 * the table first, such as dropping an index, adds no lock the DROP TABLE does not take anyway.
 */
export function droppedLater(up: MigrationFunction): (op: MigrationCall) => boolean {
  const droppedAt = new Map<string, number>();
  for (const op of up.ops) if (op.op === 'drop_table') droppedAt.set(`${op.schema ?? ''}.${op.table}`, op.line);
  return (op) => (droppedAt.get(`${op.schema ?? ''}.${op.table}`) ?? Number.NEGATIVE_INFINITY) > op.line;
}

export function isTrueConst(expr: PyExpr | undefined): boolean {
  return expr?.k === 'const' && expr.value === 'True';
}

/** `op.name(args)` as the messages show it, shortened. */
export function describeCall(op: Pick<TableOp, 'args' | 'batch' | 'op'>): string {
  const args = op.args.length > 60 ? `${op.args.slice(0, 57)}...` : op.args;
  return `${op.batch ? 'batch_op' : 'op'}.${op.op}(${args})`;
}
