// Migration lint: the rules, their options and suppression comments, per file and per project.
export * from './rules';
export * from './suppressions';
export { lintRevision, revisionFindings } from './revisionRules';
export { lintEnvPy, lintHistory, lintProject, inferDialect } from './projectLint';
export type { EnvLintOptions, ProjectLintOptions } from './projectLint';
