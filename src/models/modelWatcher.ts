// The model files of each project (found by src/core/models: what env.py's target_metadata imports,
// or the globs of `alembic.modelGlobs`), kept up to date from file events, and whether they changed
// since the last revision was written.
//
// "Models changed since the last revision" is decided from content, never from file times: the tables
// and columns the models define against those the revisions create (core/models/modelsVsRevisions.ts).
// It is set only where the difference is certain, so a fresh clone, a checkout or a stash shows no mark,
// and a revision that creates what the models add clears it.
// Nothing here runs Python: the finder reads files.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { historyBreakers, type Problem, type Project } from '../core';
import { readTextFile } from '../core/fileBytes';
import { findModelFiles, type ModelDiscovery, type ModelFile } from '../core/models/modelFiles';
import { compareModelsWithRevisions, type SchemaDifference } from '../core/models/modelsVsRevisions';
import { type RevisionSchema, revisionSchema } from '../core/models/revisionSchema';
import { type TableHistory, tableHistory } from '../core/models/tableHistory';
import { inWorkspaceDependencyFolder, type ProjectRegistry } from '../projects/projectRegistry';
import { Disposable } from '../util/disposable';
import { DELAYS, Debouncer } from '../util/schedule';

/** Differences listed in a tooltip; the rest are counted. */
const SHOWN_DIFFERENCES = 5;

export interface ModelsBase {
  /** `from <module> import <name>`, then `<name>.metadata`. */
  module: string;
  name: string;
  /** Other modules that define models on it and must be imported for them to register. */
  modelModules: string[];
}

export interface ProjectModels {
  files: ModelFile[];
  /** What the finder reports: target_metadata = None, models no import loads, ... (lint rule codes). */
  problems: Problem[];
  /** The declarative Base the models use: what target_metadata should name (for the quick fix). */
  base?: ModelsBase;
  /** env.py and the project files read while following its imports. */
  scanned: string[];
  /** The models define a table or column no revision creates, or no longer define one a revision creates. */
  changed: boolean;
  /** What differs, for tooltips ("users.sku is in the models but in no revision"). */
  changedReason?: string;
  differences: SchemaDifference[];
}

interface ProjectEntry {
  models: ProjectModels;
  discovery: ModelDiscovery;
  /** The Base target_metadata named the last time it named one: the best guess once it is set to None. */
  lastBase?: ModelsBase;
  /** What the revisions create, as compared last time: a new one means comparing again. */
  revisions?: RevisionSchema;
  history?: Map<string, TableHistory>;
}

export class ModelWatcher extends Disposable {
  private readonly entries = new Map<Project, ProjectEntry>();
  private readonly byFile = new Map<string, Project[]>();
  /** Files whose change can change what the finder finds (env.py and what it imports), by project. */
  private readonly watched = new Map<string, Project[]>();
  private readonly pending = new Map<Project, Set<string>>();
  /** The model updates: what whenIdle() waits for. */
  private readonly updates = this.register(new Debouncer());
  /** The table history: the model lens redraws when it is there, nobody waits for it. */
  private readonly background = this.register(new Debouncer());
  private updating?: Promise<void>;
  private readonly changeEmitter = this.register(new vscode.EventEmitter<void>());
  /** Fires when model files, their classes, the "changed" flag or the table history changed. */
  readonly onDidChange = this.changeEmitter.event;

  constructor(private readonly registry: ProjectRegistry) {
    super();
    const watcher = this.register(vscode.workspace.createFileSystemWatcher('**/*.py'));
    this.register(watcher.onDidChange((uri) => this.fileEvent(uri.fsPath, false)));
    this.register(watcher.onDidCreate((uri) => this.fileEvent(uri.fsPath, true)));
    this.register(watcher.onDidDelete((uri) => this.fileEvent(uri.fsPath, true)));
    // A save in this window is known before the file watcher reports it.
    this.register(
      vscode.workspace.onDidSaveTextDocument(
        (doc) => doc.uri.scheme === 'file' && doc.languageId === 'python' && this.fileEvent(doc.uri.fsPath, false),
      ),
    );
    this.register(
      registry.onDidChange((e) => (e.kinds.has('projects') || e.kinds.has('revisions')) && this.projectsChanged()),
    );
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('alembic.modelGlobs')) this.scheduleAll();
      }),
    );
    this.projectsChanged();
  }

  get(project: Project): ProjectModels | undefined {
    return this.entries.get(project)?.models;
  }

  /** The finder's last answer, for the lint of env.py (so that it does not search a second time). */
  discovery(project: Project): ModelDiscovery | undefined {
    return this.entries.get(project)?.discovery;
  }

  /** The project(s) and entry of a model file. */
  modelFileOf(file: string): { project: Project; file: ModelFile } | undefined {
    const resolved = path.resolve(file);
    for (const project of this.byFile.get(resolved) ?? []) {
      const found = this.entries.get(project)?.models.files.find((f) => path.resolve(f.path) === resolved);
      if (found) return { project, file: found };
    }
    return undefined;
  }

  /** Per table, the revisions that create, change and drop it (computed in the background; may lag a moment). */
  tables(project: Project): ReadonlyMap<string, TableHistory> | undefined {
    return this.entries.get(project)?.history;
  }

  /** Resolves once every pending file event has been applied. */
  whenIdle(): Promise<void> {
    return this.updates.whenIdle();
  }

  /** Finds the model files of every project again. */
  refresh(): Promise<void> {
    this.scheduleAll();
    return this.whenIdle();
  }

  private projectsChanged(): void {
    const projects = new Set(this.registry.getProjects());
    for (const project of [...this.entries.keys()]) if (!projects.has(project)) this.entries.delete(project);
    // New projects are read; known ones are compared again when their revisions changed, in the same
    // debounced update as the model files, so that a checkout bringing both settles as one.
    for (const project of projects) {
      const entry = this.entries.get(project);
      if (!entry || entry.revisions !== revisionsOf(project)) this.schedule(project);
    }
    this.rebuildIndex();
    this.scheduleHistory();
  }

  private fileEvent(file: string, createdOrDeleted: boolean): void {
    if (inWorkspaceDependencyFolder(file)) return;
    for (const project of this.registry.getProjects()) {
      if (project.ownsRevisionFile(file)) continue;
      const resolved = path.resolve(file);
      const known = this.byFile.get(resolved)?.includes(project) || this.watched.get(resolved)?.includes(project);
      const envPy = project.config.scriptLocation && resolved === path.join(project.config.scriptLocation, 'env.py');
      // A new or deleted module can become a model file (a new import in models/__init__.py follows it).
      const folder = this.registry.folderOf(project);
      const near = createdOrDeleted && isInside(file, folder);
      if (known || envPy || near || (isInside(file, folder) && mayDefineModels(file))) this.schedule(project, file);
    }
  }

  private scheduleAll(): void {
    for (const project of this.registry.getProjects()) this.schedule(project);
  }

  /** Queues a project's update; a checkout touching many files becomes one update. */
  private schedule(project: Project, file?: string): void {
    let files = this.pending.get(project);
    if (!files) this.pending.set(project, (files = new Set()));
    if (file) files.add(file);
    this.updates.schedule('update', DELAYS.models, () => this.flush());
  }

  private async flush(): Promise<void> {
    if (this.updating) {
      await this.updating;
      if (this.updates.isPending('update')) return;
    }
    const projects = [...this.pending.keys()];
    this.pending.clear();
    this.updating = (async () => {
      let changed = false;
      for (const project of projects) {
        if (!this.registry.getProjects().includes(project)) continue;
        changed = this.update(project) || changed;
      }
      if (changed) {
        this.rebuildIndex();
        this.changeEmitter.fire();
      }
    })().finally(() => {
      this.updating = undefined;
    });
    return this.updating;
  }

  /** Runs the finder and compares the models with the revisions. True when anything visible changed. */
  private update(project: Project): boolean {
    const texts = new Map<string, string>();
    const readFile = (file: string): string | undefined => {
      const key = path.resolve(file);
      if (texts.has(key)) return texts.get(key);
      let text: string | undefined;
      try {
        text = readTextFile(key);
      } catch {
        text = undefined;
      }
      texts.set(key, text as string);
      return text;
    };
    const globs = this.registry.settingsOf(project).get<string[]>('modelGlobs', []);
    let found: ModelDiscovery;
    try {
      found = findModelFiles({ config: project.config, readFile, modelGlobs: globs.length ? globs : undefined });
    } catch (err) {
      const message = `Cannot find the model files: ${(err as Error).message}`;
      found = {
        files: [],
        problems: [
          { severity: 'warning', code: 'models-unreadable', message, path: project.config.configFile, line: 1 },
        ],
      };
    }
    const before = this.entries.get(project);
    const named = baseOf(found);
    const lastBase = named ?? before?.lastBase;
    const base = named ?? (found.metadata?.expression === 'None' ? (foundBase(found) ?? lastBase) : undefined);
    const scanned = [...(found.envPy ? [found.envPy] : []), ...(found.scanned ?? [])];
    const revisions = revisionsOf(project);
    const envText = found.envPy && readFile(found.envPy);
    // A history Alembic cannot load (a revision file with a syntax error) creates nothing for sure.
    const comparable = revisions && !historyBreakers(project.problems).length;
    const comparison = comparable ? compareModelsWithRevisions({ discovery: found, revisions, envText }) : undefined;
    const differences = comparison?.differences ?? [];
    const changed = differences.length > 0;
    const models: ProjectModels = { files: found.files, problems: found.problems, base, scanned, changed, differences };
    if (models.changed) models.changedReason = describeDifferences(differences);
    const entry: ProjectEntry = { models, discovery: found, lastBase, revisions, history: before?.history };
    this.entries.set(project, entry);
    if (!entry.history) this.scheduleHistory();
    return !before || before.models.changedReason !== models.changedReason || !sameFiles(before.models, models);
  }

  private rebuildIndex(): void {
    this.byFile.clear();
    this.watched.clear();
    for (const [project, entry] of this.entries) {
      for (const file of entry.models.files) {
        const key = path.resolve(file.path);
        const list = this.byFile.get(key) ?? [];
        list.push(project);
        this.byFile.set(key, list);
      }
      for (const file of entry.models.scanned) {
        const key = path.resolve(file);
        const list = this.watched.get(key) ?? [];
        list.push(project);
        this.watched.set(key, list);
      }
    }
  }

  /** The table history reads every revision file: once per change of the revision files, after they settle. */
  private scheduleHistory(): void {
    this.background.schedule('history', DELAYS.tableHistory, () => {
      let changed = false;
      for (const project of this.registry.getProjects()) {
        const entry = this.entries.get(project);
        if (!entry) continue;
        let history: Map<string, TableHistory>;
        try {
          history = tableHistory(project); // the same Map while the revision sources are the same
        } catch (err) {
          console.error(`[alembic-lens] table history of ${project.name}: ${(err as Error).message}`);
          history = new Map();
        }
        changed ||= history !== entry.history;
        entry.history = history;
      }
      if (changed) this.changeEmitter.fire();
    });
  }
}

/** The Base target_metadata names (`Base.metadata` with Base defined in a project module). */
function baseOf(found: ModelDiscovery): ModelsBase | undefined {
  const metadata = found.metadata;
  const match = metadata && /^([A-Za-z_]\w*)\.metadata$/.exec(metadata.expression);
  if (!match || !metadata.module) return undefined;
  return {
    module: metadata.module,
    name: match[1],
    modelModules: found.files.map((f) => f.module).filter((m) => m !== metadata.module),
  };
}

/** With target_metadata = None: the declarative Base the finder saw, and the modules with models to import. */
function foundBase(found: ModelDiscovery): ModelsBase | undefined {
  const base = found.bases?.[0];
  if (!base) return undefined;
  const modelModules = [...new Set((found.unimported ?? []).map((u) => u.module))].filter((m) => m !== base.module);
  return { module: base.module, name: base.name, modelModules };
}

/** What the project's revisions create; undefined (nothing claimed) when reading them failed. */
function revisionsOf(project: Project): RevisionSchema | undefined {
  try {
    return revisionSchema(project); // the same object while the revision sources are the same
  } catch (err) {
    console.error(`[alembic-lens] revisions of ${project.name}: ${(err as Error).message}`);
    return undefined;
  }
}

/** The tooltip's account of what differs. */
function describeDifferences(differences: readonly SchemaDifference[]): string {
  const shown = differences.slice(0, SHOWN_DIFFERENCES).map((d) => `• ${d.message}`);
  if (differences.length > SHOWN_DIFFERENCES) shown.push(`• and ${differences.length - SHOWN_DIFFERENCES} more`);
  return ['The models differ from what the revisions create:', ...shown].join('\n');
}

function sameFiles(a: ProjectModels, b: ProjectModels): boolean {
  const key = (m: ProjectModels): string =>
    JSON.stringify([
      m.files.map((f) => [f.path, f.reason, f.classes.map((c) => [c.name, c.tableName, c.line, c.columns.length])]),
      m.problems.map((p) => [p.code, p.path, p.line, p.message]),
    ]);
  return key(a) === key(b);
}

/** A module that could hold models (cheap look at one changed file: a save elsewhere costs nothing). */
function mayDefineModels(file: string): boolean {
  try {
    return /__tablename__|__table__|\bTable\(|declarative_base|DeclarativeBase|\bmetadata\b|SQLModel|\bBase\b/.test(
      readTextFile(file),
    );
  } catch {
    return false;
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
