// The rule families of src/core/lint/rules/, one line each: their rules join LINT_RULES and their
// checks run on every revision file.
import { offlineModeRules } from './offlineMode';
import { optInRules } from './optInRules';
import { ormImportRules } from './ormImports';
import { postgresLockRules } from './postgresLocks';
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
];
