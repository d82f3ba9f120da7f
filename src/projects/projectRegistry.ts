// Finds the Alembic projects of the workspace, keeps each one's model and context (projectContext.ts)
// up to date from file and settings events, and tells the views what changed, typed. All parsing is in
// src/core; this is the wiring.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { iniProjectSections, loadProject, type Project, tomlHasAlembic } from '../core';
import { DEPENDENCY_FOLDERS, inDependencyFolder } from '../core/dependencyFolders';
import type { ResolvedUrl } from '../core/urlSource';
import type { ProjectEnv } from '../runner/projectEnv';
import { Disposable } from '../util/disposable';
import { DELAYS, Debouncer } from '../util/schedule';
import { type ProjectChange, type ProjectChangeKind, ProjectContext } from './projectContext';
import { VersionFolderWatchers } from './versionFolderWatchers';

export { type ProjectChange, type ProjectChangeKind, projectFolder, projectKey } from './projectContext';

const SKIPPED_GLOB = `**/{${[...DEPENDENCY_FOLDERS].join(',')}}/**`;
const PROJECT_FILES = '{alembic.ini,pyproject.toml}';
const ALL_KINDS: ReadonlySet<ProjectChangeKind> = new Set([
  'projects',
  'revisions',
  'config',
  'environment',
  'database',
]);

export type RegistryState = 'loading' | 'ready';

export class ProjectRegistry extends Disposable {
  private projects: Project[] = [];
  private unconfigured: string[] = [];
  private contexts = new Map<Project, ProjectContext>();
  private readonly versionFolders = this.register(new VersionFolderWatchers((file) => this.revisionFileChanged(file)));
  private readonly pending = new Map<Project, Set<string>>();
  /** Discovery and file updates: what whenIdle() waits for. */
  private readonly updates = this.register(new Debouncer());
  /** The background syntax check: views update when it finds something, nobody waits for it. */
  private readonly background = this.register(new Debouncer());
  private discovering?: Promise<void>;
  /** The search asked for while `discovering` ran: it starts when that one ends. */
  private discoverAgain?: Promise<void>;
  private readonly changeEmitter = this.register(new vscode.EventEmitter<ProjectChange>());
  /** Fires with what changed: projects found again, revisions, settings, `.env`, the database URL. */
  readonly onDidChange = this.changeEmitter.event;
  state: RegistryState = 'loading';

  constructor() {
    super();
    const configWatcher = this.register(vscode.workspace.createFileSystemWatcher('**/{alembic.ini,pyproject.toml}'));
    const onConfig = (uri: vscode.Uri): void => this.configChanged(uri);
    this.register(configWatcher.onDidCreate(onConfig));
    this.register(configWatcher.onDidChange(onConfig));
    this.register(configWatcher.onDidDelete(onConfig));
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.scheduleRediscover()));
    // Deleting a whole folder reports only the folder, not the alembic.ini inside it.
    const deletions = this.register(vscode.workspace.createFileSystemWatcher('**', true, true, false));
    this.register(deletions.onDidDelete((uri) => this.folderDeleted(uri.fsPath)));
    // What the database URL is read from: `.env` and env.py.
    const urlFiles = this.register(vscode.workspace.createFileSystemWatcher('**/{.env,env.py}'));
    for (const event of [urlFiles.onDidCreate, urlFiles.onDidChange, urlFiles.onDidDelete])
      this.register(event((uri) => this.urlFileChanged(uri.fsPath)));
    this.register(vscode.workspace.onDidChangeConfiguration((e) => this.settingsChanged(e)));
  }

  getProjects(): readonly Project[] {
    return this.projects;
  }

  /** Alembic scripts folders no config names (their configuration is built in code), as last found. */
  unconfiguredScripts(): readonly string[] {
    return this.unconfigured;
  }

  /** The project a revision file belongs to, if any. */
  projectOfFile(file: string): Project | undefined {
    return this.projects.find((p) => p.ownsRevisionFile(file));
  }

  /** The project with this key (projectKey), as loaded now. */
  projectByKey(key: string): Project | undefined {
    return this.projects.find((p) => this.contextOf(p).key === key);
  }

  /**
   * The project the user works on: among `candidates` (every project by default), the one of the
   * active editor's file (a revision file of it, else a file in its folder), else the first one.
   */
  activeProject(candidates: readonly Project[] = this.projects): Project | undefined {
    const file = vscode.window.activeTextEditor?.document.uri.fsPath;
    if (file) {
      const inside = (p: Project): boolean => file.startsWith(this.contextOf(p).folder + path.sep);
      const found = candidates.find((p) => p.ownsRevisionFile(file)) ?? candidates.find(inside);
      if (found) return found;
    }
    return candidates[0];
  }

  /** The project's key, folder, settings, `.env` and database URL. */
  contextOf(project: Project): ProjectContext {
    let context = this.contexts.get(project);
    // A project no longer listed (a command's late answer) still gets a context, not kept.
    if (!context) {
      context = new ProjectContext(project);
      if (this.projects.includes(project)) this.contexts.set(project, context);
    }
    return context;
  }

  keyOf(project: Project): string {
    return this.contextOf(project).key;
  }

  folderOf(project: Project): string {
    return this.contextOf(project).folder;
  }

  settingsOf(project: Project): vscode.WorkspaceConfiguration {
    return this.contextOf(project).settings();
  }

  envOf(project: Project): ProjectEnv {
    return this.contextOf(project).dotenv();
  }

  /** The database URL Alembic would use, as last resolved (unmasked: never show it as is). */
  databaseUrlOf(project: Project): ResolvedUrl {
    return this.contextOf(project).databaseUrl();
  }

  /**
   * Reads `.env` and resolves the database URL again, before the database is read: the file watchers
   * may not have reported an edit yet, and a status read with old variables would name the wrong
   * database. Tells the views when something changed.
   */
  resolveDatabaseUrl(project: Project): ResolvedUrl {
    const context = this.contextOf(project);
    const kinds: ProjectChangeKind[] = [];
    if (context.reloadEnv()) kinds.push('environment');
    if (context.reresolve()) kinds.push('database');
    if (this.projects.includes(project)) this.fire([project], ...kinds);
    return context.databaseUrl();
  }

  /**
   * Finds every project again and reloads it from disk. Asked while a search runs, it searches once more
   * after it: what changed meanwhile (a new alembic.ini, files.exclude) may have been read before the change.
   */
  discover(): Promise<void> {
    if (this.discovering) {
      this.discoverAgain ??= this.updates.track(
        this.discovering
          .catch(() => undefined)
          .then(() => {
            this.discoverAgain = undefined;
            return this.discover();
          }),
      );
      return this.discoverAgain;
    }
    this.discovering = this.updates.track(
      this.findProjects().finally(() => {
        this.discovering = undefined;
      }),
    );
    return this.discovering;
  }

  /** Resolves once discovery and every pending file update (timers not yet fired included) have been applied. */
  whenIdle(): Promise<void> {
    return this.updates.whenIdle();
  }

  private fire(projects: readonly Project[], ...kinds: ProjectChangeKind[]): void {
    if (projects.length && kinds.length) this.changeEmitter.fire({ projects, kinds: new Set(kinds) });
  }

  private async findProjects(): Promise<void> {
    // Scripts folders are looked for at the same time; which of them no project names is known after loading.
    const [projectFiles, templates] = await Promise.all([
      findProjectFiles(),
      vscode.workspace.findFiles('**/script.py.mako', SKIPPED_GLOB),
    ]);
    const files = projectFiles.sort(byPath);
    const inis = files.filter((uri) => path.basename(uri.fsPath) === 'alembic.ini');
    const tomls = files.filter((uri) => path.basename(uri.fsPath) === 'pyproject.toml');
    const found: Project[] = [];
    const iniDirs = new Set<string>();
    for (const uri of inis) {
      iniDirs.add(path.dirname(uri.fsPath));
      const text = await readText(uri);
      for (const section of iniProjectSections(text ?? '', uri.fsPath))
        found.push(...loadProjectAlone(uri.fsPath, { section }));
    }
    for (const uri of tomls) {
      // A pyproject.toml beside an alembic.ini is already part of that project.
      if (iniDirs.has(path.dirname(uri.fsPath))) continue;
      const text = await readText(uri);
      if (text && tomlHasAlembic(text)) found.push(...loadProjectAlone(uri.fsPath));
    }
    this.unconfigured = unconfiguredScripts(templates, found);
    this.projects = found;
    this.contexts = new Map(found.map((p) => [p, new ProjectContext(p)]));
    this.pending.clear();
    this.watchProjects();
    this.state = 'ready';
    this.changeEmitter.fire({ projects: found, kinds: ALL_KINDS });
    this.scheduleGrammarCheck();
  }

  /** The full syntax check runs after loading, in slices, so that the extension host stays responsive. */
  private scheduleGrammarCheck(): void {
    const slice = (): void => {
      const changed: Project[] = [];
      let done = true;
      for (const project of this.projects) {
        const result = project.checkGrammar(DELAYS.grammarSlice);
        if (result.changed) changed.push(project);
        if (!result.done) {
          done = false;
          break;
        }
      }
      this.fire(changed, 'revisions');
      if (!done) this.background.schedule('grammar', DELAYS.grammarPause, slice);
    };
    this.background.schedule('grammar', DELAYS.grammarPause, slice);
  }

  /** Each version folder listed by a project is watched on its own too (versionFolderWatchers.ts). */
  private watchProjects(): void {
    this.versionFolders.watch(
      this.projects.flatMap((project) =>
        project.config.versionLocations.map((folder) => ({
          folder,
          recursive: project.config.recursiveVersionLocations,
        })),
      ),
    );
  }

  private revisionFileChanged(file: string): void {
    for (const project of this.projects) this.fileChanged(project, file);
  }

  private fileChanged(project: Project, file: string): void {
    if (!project.ownsRevisionFile(file)) return;
    let files = this.pending.get(project);
    if (!files) this.pending.set(project, (files = new Set()));
    files.add(file);
    // A checkout touching hundreds of files becomes one update.
    this.updates.schedule('files', DELAYS.fileEvents, () => this.flush());
  }

  private flush(): void {
    const changed: Project[] = [];
    for (const [project, files] of this.pending) {
      if (!this.projects.includes(project)) continue;
      let updated = false;
      for (const file of files) {
        updated = (exists(file) ? project.updateFile(file) : project.removeFile(file)) || updated;
      }
      if (updated) changed.push(project);
    }
    this.pending.clear();
    this.fire(changed, 'revisions');
  }

  private folderDeleted(deleted: string): void {
    const inside = (file: string): boolean => file === deleted || file.startsWith(deleted + path.sep);
    if (this.projects.some((p) => inside(p.config.configFile))) this.scheduleRediscover();
  }

  /** Re-lists a project's version folders (after a command wrote files); true when something changed. */
  rescan(project: Project): boolean {
    if (!this.projects.includes(project) || !project.rescan()) return false;
    this.fire([project], 'revisions');
    return true;
  }

  /** `.env` or env.py changed: the projects that read it load their variables and resolve their URL again. */
  private urlFileChanged(file: string): void {
    const folder = path.dirname(path.resolve(file));
    const isEnvPy = path.basename(file) === 'env.py';
    for (const project of this.projects) {
      const context = this.contextOf(project);
      const reads = isEnvPy
        ? !!project.config.scriptLocation &&
          path.resolve(project.config.scriptLocation, 'env.py') === path.resolve(file)
        : context.folder === folder || context.dotenv().file === path.resolve(file);
      if (!reads) continue;
      // Several writes of one save become one reload.
      this.updates.schedule(`url:${context.key}`, DELAYS.fileEvents, () => this.reloadContext(project, !isEnvPy));
    }
  }

  private reloadContext(project: Project, envChanged: boolean, ...also: ProjectChangeKind[]): void {
    if (!this.projects.includes(project)) return;
    const context = this.contextOf(project);
    const kinds: ProjectChangeKind[] = [...also];
    if (envChanged) {
      // Reported even when the variables read the same: the database is read again, as the user expects.
      context.reloadEnv();
      kinds.push('environment');
    }
    if (context.reresolve()) kinds.push('database');
    this.fire([project], ...kinds);
  }

  private settingsChanged(e: vscode.ConfigurationChangeEvent): void {
    // The search for projects reads files.exclude (findProjectFiles): a folder hidden or shown again is searched anew.
    if (e.affectsConfiguration('files.exclude')) this.scheduleRediscover();
    if (!e.affectsConfiguration('alembic')) return;
    for (const project of this.projects) {
      const uri = vscode.Uri.file(this.contextOf(project).folder);
      if (!e.affectsConfiguration('alembic', uri)) continue;
      const envChanged =
        e.affectsConfiguration('alembic.loadDotEnv', uri) || e.affectsConfiguration('alembic.dotEnvPath', uri);
      this.reloadContext(project, envChanged, 'config');
    }
  }

  private configChanged(uri: vscode.Uri): void {
    if (!inWorkspaceDependencyFolder(uri)) this.scheduleRediscover();
  }

  private scheduleRediscover(): void {
    this.updates.schedule('discover', DELAYS.rediscover, () => this.discover());
  }
}

function byPath(a: vscode.Uri, b: vscode.Uri): number {
  return a.fsPath < b.fsPath ? -1 : a.fsPath > b.fsPath ? 1 : 0;
}

async function readText(uri: vscode.Uri): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
}

function exists(file: string): boolean {
  try {
    fs.statSync(file);
    return true;
  } catch {
    return false;
  }
}

/** loadProject reports a project's own failures as problems; should it still throw, the other projects load. */
function loadProjectAlone(configPath: string, options?: Parameters<typeof loadProject>[1]): Project[] {
  try {
    return [loadProject(configPath, options)];
  } catch (err) {
    console.error(`alembic-lens: could not load the project of ${configPath}:`, err);
    return [];
  }
}

/**
 * The alembic.ini and pyproject.toml files of the workspace, outside dependency folders, and also inside
 * folders files.exclude hides from the Explorer (polar hides `server`, where its alembic.ini is).
 */
async function findProjectFiles(): Promise<vscode.Uri[]> {
  const searches = [vscode.workspace.findFiles(`**/${PROJECT_FILES}`, SKIPPED_GLOB)];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const excluded = vscode.workspace.getConfiguration('files', folder).get<Record<string, unknown>>('exclude') ?? {};
    // Folder names hidden on purpose; `**/x` patterns hide clutter everywhere (.git, .DS_Store).
    const hidden = Object.keys(excluded)
      .filter((glob) => excluded[glob] === true && !/^\*\*|[{}]/.test(glob))
      .map((glob) => glob.replace(/\/+$/, ''));
    if (!hidden.length) continue;
    const inHidden = `${hidden.length > 1 ? `{${hidden.join(',')}}` : hidden[0]}/**/${PROJECT_FILES}`;
    // `null` lifts files.exclude for this search only; it looks nowhere else.
    searches.push(vscode.workspace.findFiles(new vscode.RelativePattern(folder, inHidden), null));
  }
  const unique = new Map<string, vscode.Uri>();
  for (const uri of (await Promise.all(searches)).flat())
    if (!inWorkspaceDependencyFolder(uri)) unique.set(uri.toString(), uri);
  return [...unique.values()];
}

/** Whether a file is in a dependency folder inside its workspace folder (whose own path may pass through a `build`). */
export function inWorkspaceDependencyFolder(file: vscode.Uri | string): boolean {
  return inDependencyFolder(vscode.workspace.asRelativePath(file, false));
}

/**
 * Folders with env.py, script.py.mako and versions/ that no project's script_location is: an application
 * that builds its Alembic Config in code (warehouse) has no alembic.ini. Alembic's own templates have no
 * versions/.
 */
function unconfiguredScripts(templates: readonly vscode.Uri[], projects: readonly Project[]): string[] {
  const used = new Set(projects.map((p) => p.config.scriptLocation && path.resolve(p.config.scriptLocation)));
  const found: string[] = [];
  for (const uri of templates) {
    const folder = path.dirname(uri.fsPath);
    if (inWorkspaceDependencyFolder(uri) || used.has(folder)) continue;
    if (fs.existsSync(path.join(folder, 'env.py')) && fs.existsSync(path.join(folder, 'versions'))) found.push(folder);
  }
  return found.sort();
}
