// The migration lint (src/core/lint) for the Problems panel, kept up to date incrementally:
//   - a revision file is linted again only when its parsed source changed (a rebuilt or swapped
//     RevisionSource) or its editor's unsaved text did; the others keep their problems;
//   - env.py and the config (target_metadata, models nobody imports, the placeholder URL) when env.py,
//     the ini or the model discovery changed, reusing the model watcher's discovery;
//   - the history rule (several heads) whenever the graph changed, which costs nothing.
// Severities come from `alembic.lint.severities`; `# alembic-lens: ignore[rule]` comments are the
// core's. The problems are published by ProblemDiagnostics, in the one `alembic` collection.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type Problem, type Project, parseDatabaseUrl, type RevisionSource } from '../core';
import {
  type Dialect,
  envLintOptions,
  type LintOptions,
  lintAgainstModels,
  lintEnvPy,
  lintHistory,
  lintKey,
  lintRevision,
  type ModelNames,
  modelNamesOf,
  pgParserLoading,
  type RuleSeverity,
  severityOf,
} from '../core/lint';
import type { ModelDiscovery } from '../core/models/modelFiles';
import type { ModelWatcher } from '../models/modelWatcher';
import type { ProjectRegistry } from '../projects/projectRegistry';
import { Disposable } from '../util/disposable';
import { DELAYS, Debouncer } from '../util/schedule';
import type { ProblemSource } from './diagnostics';

interface RevisionLint {
  source: RevisionSource;
  /** Options and text version the problems were computed with. */
  key: string;
  problems: Problem[];
}

interface ProjectLint {
  revisions: Map<string, RevisionLint>;
  env: Problem[];
  history: Problem[];
  /** The model rules' problems, with the revision each is on (for the scope). */
  models: Array<{ source?: RevisionSource; problem: Problem }>;
  dialect?: Dialect;
  /** What env.py's context.configure() says that the revision rules read (render_as_batch, transaction_per_migration). */
  envOptions?: LintOptions;
  /** env.py and the config must be linted again. */
  envStale: boolean;
  /** modelNamesOf(`namesFrom`): computed again only when the model watcher has a new discovery. */
  modelNames?: ModelNames;
  namesFrom?: ModelDiscovery;
}

/** Which revisions a project's lint reports on (`alembic.lint.scope`); undefined: every one. */
export interface LintScope {
  scopeOf(project: Project): ((source: RevisionSource) => boolean) | undefined;
  readonly onDidChange: vscode.Event<void>;
}

export class LintDiagnostics extends Disposable implements ProblemSource {
  private readonly lints = new Map<Project, ProjectLint>();
  private readonly scheduled = this.register(new Debouncer());
  private running?: Promise<void>;
  private readonly changeEmitter = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    private readonly registry: ProjectRegistry,
    private readonly models: ModelWatcher,
    private readonly scope?: LintScope,
  ) {
    super();
    if (scope) this.register(scope.onDidChange(() => this.changeEmitter.fire()));
    // The dialect follows the URL the registry resolved (the setting, the environment, .env, env.py).
    this.register(registry.onDidChange((e) => (e.kinds.has('database') ? this.invalidateEnv() : this.schedule())));
    this.register(models.onDidChange(() => this.invalidateEnv()));
    const envWatcher = this.register(vscode.workspace.createFileSystemWatcher('**/env.py'));
    for (const event of [envWatcher.onDidCreate, envWatcher.onDidChange, envWatcher.onDidDelete])
      this.register(event(() => this.invalidateEnv()));
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('alembic.lint') && this.invalidateEnv()),
    );
    // Unsaved edits of a revision file are linted as they are typed; closing the editor goes back to the file.
    this.register(
      vscode.workspace.onDidChangeTextDocument(
        (e) => this.isRevisionDocument(e.document) && e.contentChanges.length && this.schedule(DELAYS.lintTyping),
      ),
    );
    this.register(vscode.workspace.onDidCloseTextDocument((doc) => this.isRevisionDocument(doc) && this.schedule()));
    this.schedule();
  }

  problems(): readonly Problem[] {
    const out: Problem[] = [];
    for (const project of this.registry.getProjects()) {
      const lint = this.lints.get(project);
      if (!lint) continue;
      const inScope = this.scope?.scopeOf(project);
      for (const entry of lint.revisions.values()) if (!inScope || inScope(entry.source)) out.push(...entry.problems);
      for (const { source, problem } of lint.models) if (!inScope || !source || inScope(source)) out.push(problem);
      out.push(...lint.history, ...lint.env);
    }
    return out;
  }

  /** Resolves once every pending lint has run (and the model watcher has settled). */
  async whenIdle(): Promise<void> {
    await this.models.whenIdle();
    await this.scheduled.whenIdle();
  }

  private isRevisionDocument(doc: vscode.TextDocument): boolean {
    return doc.uri.scheme === 'file' && doc.languageId === 'python' && !!this.registry.projectOfFile(doc.uri.fsPath);
  }

  private invalidateEnv(): void {
    for (const lint of this.lints.values()) lint.envStale = true;
    this.schedule();
  }

  private schedule(delay: number = DELAYS.lint): void {
    this.scheduled.schedule('lint', delay, () => this.run());
  }

  private async run(): Promise<void> {
    if (this.running) {
      await this.running;
      if (this.scheduled.isPending('lint')) return;
    }
    this.running = this.lintAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async lintAll(): Promise<void> {
    await this.models.whenIdle();
    const projects = this.registry.getProjects();
    for (const project of [...this.lints.keys()]) if (!projects.includes(project)) this.lints.delete(project);
    const openDirty = new Map<string, vscode.TextDocument>();
    for (const doc of vscode.workspace.textDocuments)
      if (doc.isDirty && doc.uri.scheme === 'file') openDirty.set(path.resolve(doc.uri.fsPath), doc);
    let changed = false;
    const deadline = Date.now() + DELAYS.lintSlice;
    let done = true;
    for (const project of projects) {
      let lint = this.lints.get(project);
      if (!lint)
        this.lints.set(project, (lint = { revisions: new Map(), env: [], history: [], models: [], envStale: true }));
      const severities = this.severities(project);
      if (lint.envStale) {
        lint.envStale = false;
        changed = (await this.lintEnv(project, lint, severities)) || changed;
      }
      const modelNames = this.modelNames(project, lint, severities);
      const options: LintOptions = { ...lint.envOptions, severities, dialect: lint.dialect, modelNames };
      const revisions = this.lintRevisions(project, lint, options, openDirty, deadline);
      changed ||= revisions.changed;
      done &&= revisions.done;
      const history = project.noteCompiledFiles(lintHistory(project.graph, options));
      if (!sameProblems(history, lint.history)) {
        lint.history = history;
        changed = true;
      }
      changed = this.lintModels(project, lint, options) || changed;
    }
    if (changed) this.changeEmitter.fire();
    if (!done) this.schedule(0);
    // Raw SQL asked for the PostgreSQL parser: lint again once it is there.
    else void pgParserLoading()?.then(() => this.schedule());
  }

  /** env.py and the config, with the watcher's model discovery; also settles the dialect the revision rules use. */
  private async lintEnv(
    project: Project,
    lint: ProjectLint,
    severities: Record<string, RuleSeverity>,
  ): Promise<boolean> {
    const dialect = dialectOf(this.registry.databaseUrlOf(project).url, project.config.baseDir);
    if (dialect !== lint.dialect) {
      lint.dialect = dialect;
      lint.revisions.clear();
    }
    try {
      lint.envOptions = envLintOptions(project.config);
    } catch (err) {
      console.error(`[alembic-lens] env.py of ${project.name}: ${(err as Error).message}`);
      lint.envOptions = undefined;
    }
    let problems: Problem[];
    try {
      problems = lintEnvPy(project.config, {
        severities,
        dialect,
        discovery: this.models.discovery(project),
        modelGlobs: this.modelGlobs(project),
      });
    } catch (err) {
      console.error(`[alembic-lens] lint of env.py for ${project.name}: ${(err as Error).message}`);
      problems = [];
    }
    if (sameProblems(problems, lint.env)) return false;
    lint.env = problems;
    return true;
  }

  /**
   * The model watcher's models, which tell migration-imports-models which imported names map tables; none
   * when that rule is off, so that its key does not make the other findings stale.
   */
  private modelNames(
    project: Project,
    lint: ProjectLint,
    severities: Record<string, RuleSeverity>,
  ): ModelNames | undefined {
    if (severityOf('migration-imports-models', { severities }) === 'off') return undefined;
    const discovery = this.models.discovery(project);
    if (lint.namesFrom !== discovery) {
      lint.namesFrom = discovery;
      lint.modelNames = modelNamesOf(discovery);
    }
    return lint.modelNames;
  }

  /** The rules that compare the revisions with the model watcher's models (none while it has none). */
  private lintModels(project: Project, lint: ProjectLint, options: LintOptions): boolean {
    const discovery = this.models.discovery(project);
    let problems: Problem[] = [];
    try {
      if (discovery) problems = lintAgainstModels(project, { ...options, discovery });
    } catch (err) {
      console.error(`[alembic-lens] model lint for ${project.name}: ${(err as Error).message}`);
    }
    if (
      sameProblems(
        problems,
        lint.models.map((m) => m.problem),
      )
    )
      return false;
    const sources = new Map([...project.graph.revisions.values()].map((rev) => [rev.source.path, rev.source]));
    lint.models = problems.map((problem) => ({ source: sources.get(problem.path), problem }));
    return true;
  }

  /** Lints the revision files whose source or buffer changed, until `deadline`; `done` when none is left. */
  private lintRevisions(
    project: Project,
    lint: ProjectLint,
    options: LintOptions,
    openDirty: Map<string, vscode.TextDocument>,
    deadline: number,
  ): { changed: boolean; done: boolean } {
    // lintKey holds the PostgreSQL parser's state: the lint of raw SQL runs again once the parser is there.
    const optionsKey = lintKey(options);
    const seen = new Set<string>();
    let changed = false;
    let done = true;
    for (const rev of project.graph.revisions.values()) {
      const file = rev.source.path;
      seen.add(file);
      const doc = openDirty.get(path.resolve(file));
      const key = `${optionsKey}|${doc ? doc.version : 'disk'}`;
      const cached = lint.revisions.get(file);
      if (cached && cached.source === rev.source && cached.key === key) continue;
      if (!done || Date.now() > deadline) {
        done = false;
        continue;
      }
      // A saved file's problems are its record's (the project reads each file once); an unsaved buffer is linted as typed.
      const problems = doc ? safeLint(doc.getText(), file, options) : project.revisionLint(rev.source, options);
      lint.revisions.set(file, { source: rev.source, key, problems });
      changed ||= !cached || !sameProblems(cached.problems, problems);
    }
    for (const file of [...lint.revisions.keys()]) {
      if (seen.has(file)) continue;
      changed ||= lint.revisions.get(file)!.problems.length > 0;
      lint.revisions.delete(file);
    }
    return { changed, done };
  }

  private severities(project: Project): Record<string, RuleSeverity> {
    return lintSeverities(this.registry.settingsOf(project));
  }

  private modelGlobs(project: Project): string[] | undefined {
    const globs = this.registry.settingsOf(project).get<string[]>('modelGlobs', []);
    return globs.length ? globs : undefined;
  }
}

/** The dialect the revision rules check for: none for an unreadable URL or the template's placeholder. */
function dialectOf(url: string | undefined, baseDir: string): Dialect | undefined {
  if (!url) return undefined;
  const parsed = parseDatabaseUrl(url, baseDir);
  return parsed.ok && !parsed.url.placeholder ? parsed.url.dialect : undefined;
}

function safeLint(text: string, file: string, options: LintOptions): Problem[] {
  try {
    return lintRevision(text, file, options);
  } catch (err) {
    console.error(`[alembic-lens] lint of ${file}: ${(err as Error).message}`);
    return [];
  }
}

function sameProblems(a: readonly Problem[], b: readonly Problem[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (p, i) =>
        p.code === b[i].code &&
        p.line === b[i].line &&
        p.path === b[i].path &&
        p.message === b[i].message &&
        p.severity === b[i].severity,
    )
  );
}

/** `alembic.lint.severities`: each rule's level, the values that are none of the four left out. */
export function lintSeverities(settings: vscode.WorkspaceConfiguration): Record<string, RuleSeverity> {
  const value = settings.get<Record<string, string>>('lint.severities', {});
  const out: Record<string, RuleSeverity> = {};
  for (const [rule, level] of Object.entries(value ?? {}))
    if (['error', 'warning', 'info', 'off'].includes(level)) out[rule] = level as RuleSeverity;
  return out;
}
