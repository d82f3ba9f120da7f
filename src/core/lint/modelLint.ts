// The model rules (rules/modelRules.ts) over a project: the models of target_metadata read once, the
// findings given their severities and the revision files' suppression comments.
import * as path from 'node:path';
import type { AlembicConfig } from '../config';
import { findModelFiles, type ModelDiscovery } from '../models/modelFiles';
import type { Problem } from '../problems';
import { readPythonFile } from '../python';
import type { RevisionSource } from '../revisionFile';
import type { RevisionRecords } from '../revisionRecord';
import { type LintOptions, severityOf } from './rules';
import { MODEL_RULES, modelRuleFindings } from './rules/modelRules';
import { applyLintOptions } from './suppressions';

export interface ModelLintOptions extends LintOptions {
  /** A discovery already made (the model watcher's); else the models are found from env.py. */
  discovery?: ModelDiscovery;
  /** Reads the model modules; the revision files come from the project's records, never read here. */
  readFile?: (file: string) => string | undefined;
  listPythonFiles?: (root: string) => string[];
  modelGlobs?: string[];
  includeRevision?: (source: RevisionSource) => boolean;
}

/** Whether any model rule is on (finding the models costs a read of the project's modules). */
export function modelRulesWanted(options: LintOptions): boolean {
  return MODEL_RULES.some((rule) => severityOf(rule.code, options) !== 'off');
}

/** Whether a rule reads the models: the model rules, and migration-imports-models (which names are models). */
function modelsWanted(options: LintOptions): boolean {
  return modelRulesWanted(options) || severityOf('migration-imports-models', options) !== 'off';
}

/**
 * One model discovery for the model rules, migration-imports-models and env.py's lint (models nobody
 * imports), made with env.py's unsaved text when given; undefined when none of those rules is on (env.py's
 * lint then makes its own).
 */
export function sharedModelDiscovery(
  config: AlembicConfig,
  options: ModelLintOptions & { envPyText?: string },
): ModelDiscovery | undefined {
  if (options.discovery || !modelsWanted(options)) return options.discovery;
  const baseRead = options.readFile ?? readPythonFile;
  const envPath = config.scriptLocation ? path.join(config.scriptLocation, 'env.py') : undefined;
  const envText = options.envPyText;
  const readFile = envText === undefined ? baseRead : (file: string) => (file === envPath ? envText : baseRead(file));
  return findModelFiles({ config, readFile, listPythonFiles: options.listPythonFiles, modelGlobs: options.modelGlobs });
}

/** The model rules' problems on the project's revisions in scope. */
export function lintAgainstModels(
  project: { config: AlembicConfig } & Pick<RevisionRecords, 'graph' | 'revisionRecord'>,
  options: ModelLintOptions = {},
): Problem[] {
  if (!modelRulesWanted(options)) return [];
  const readFile = options.readFile ?? readPythonFile;
  const discovery =
    options.discovery ??
    findModelFiles({
      config: project.config,
      readFile,
      listPythonFiles: options.listPythonFiles,
      modelGlobs: options.modelGlobs,
      scanUnimported: false,
    });
  const raw = modelRuleFindings({
    graph: project.graph,
    records: project,
    discovery,
    baseDir: project.config.baseDir,
    includeRevision: options.includeRevision,
  });
  if (!raw.length) return raw;
  // The suppression comments come from the records too: no revision file is read again.
  const sources = new Map([...project.graph.revisions.values()].map((rev) => [rev.source.path, rev.source]));
  return applyLintOptions(raw, options, (file) => {
    const source = sources.get(file);
    return source ? project.revisionRecord(source)?.suppressions : undefined;
  });
}
