// The rule families of src/core/lint/rules/, one line each: their rules join LINT_RULES and their
// checks run on every revision file.

import type { LintRule } from '../rules';
import { MODEL_RULES } from './modelRules';
import { offlineModeRules } from './offlineMode';
import { optInRules } from './optInRules';
import { ormImportRules } from './ormImports';
import { postgresLockRules } from './postgresLocks';
import { rawSqlRules } from './rawSql';
import { renameRules } from './renameRules';
import type { RevisionRuleFamily } from './ruleInput';
import { sqliteBatchRules } from './sqliteBatch';

export const REVISION_RULE_FAMILIES: readonly RevisionRuleFamily[] = [
  renameRules,
  postgresLockRules,
  sqliteBatchRules,
  offlineModeRules,
  ormImportRules,
  optInRules,
  rawSqlRules,
];

/** The rules that need the whole project (its history and its models): see modelRules.ts. */
export const PROJECT_RULES: readonly LintRule[] = [...MODEL_RULES];
