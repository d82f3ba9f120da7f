// Migration lint: the rules, their options and suppression comments, per file and per project.

export { lintRevision } from '../revisionRecord';
export { lintAgainstModels, type ModelLintOptions, sharedModelDiscovery } from './modelLint';
export type { EnvLintOptions, ProjectLintOptions } from './projectLint';
export {
  describeLintDatabase,
  envLintOptions,
  inferDialect,
  lintEnvPy,
  lintHistory,
  lintProject,
  revisionLintOptions,
  withLintOptions,
} from './projectLint';
export { formatReport, REPORT_FORMATS, type ReportFormat, shownPath } from './reportFormats';
export { lintKey, revisionFindings } from './revisionRules';
export * from './rules';
export { type ModelNames, modelNamesOf } from './rules/ormImports';
export { loadPgParser, pgParserFailure, pgParserLoading, pgParserState } from './sql/pgParser';
export * from './suppressions';
