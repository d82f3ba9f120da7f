// Finds the Alembic projects of the workspace, keeps each one's model up to date from file events,
// and tells the views when something changed. All parsing is in src/core; this is the wiring.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { iniProjectSections, loadProject, type Project, tomlHasAlembic } from '../core';
import { Disposable } from '../util/disposable';

const EXCLUDE = '**/{node_modules,.git,.venv,venv,env,.tox,.nox,site-packages,__pycache__,build,dist}/**';
const DEBOUNCE_MS = 100;
const GRAMMAR_SLICE_MS = 30;
const GRAMMAR_PAUSE_MS = 20;

export type RegistryState = 'loading' | 'ready';

export class ProjectRegistry extends Disposable {
  private projects: Project[] = [];
  private projectWatchers: vscode.Disposable[] = [];
  private readonly pending = new Map<Project, Set<string>>();
  private flushTimer?: NodeJS.Timeout;
  private rediscoverTimer?: NodeJS.Timeout;
  private grammarTimer?: NodeJS.Timeout;
  private discovering?: Promise<void>;
  private idleWaiters: Array<() => void> = [];
  private readonly changeEmitter = this.register(new vscode.EventEmitter<void>());
  /** Fires after projects were found again or a file change was applied. */
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
    this.register({ dispose: () => this.disposeProjectWatchers() });
    this.register({
      dispose: () => {
        clearTimeout(this.flushTimer);
        clearTimeout(this.rediscoverTimer);
        clearTimeout(this.grammarTimer);
      },
    });
  }

  getProjects(): readonly Project[] {
    return this.projects;
  }

  /** The project a revision file belongs to, if any. */
  projectOfFile(file: string): Project | undefined {
    return this.projects.find((p) => p.ownsRevisionFile(file));
  }

  /** Finds every project again and reloads it from disk. */
  discover(): Promise<void> {
    this.discovering ??= this.findProjects().finally(() => {
      this.discovering = undefined;
      this.notifyIdle();
    });
    return this.discovering;
  }

  /** Resolves once discovery and every pending file update have been applied. */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return !this.discovering && this.pending.size === 0 && !this.rediscoverTimer;
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async findProjects(): Promise<void> {
    const [inis, tomls] = await Promise.all([
      vscode.workspace.findFiles('**/alembic.ini', EXCLUDE),
      vscode.workspace.findFiles('**/pyproject.toml', EXCLUDE),
    ]);
    const found: Project[] = [];
    const iniDirs = new Set<string>();
    for (const uri of inis.sort(byPath)) {
      iniDirs.add(path.dirname(uri.fsPath));
      const text = await readText(uri);
      for (const section of iniProjectSections(text ?? '', uri.fsPath))
        found.push(...loadProjectAlone(uri.fsPath, { section }));
    }
    for (const uri of tomls.sort(byPath)) {
      // A pyproject.toml beside an alembic.ini is already part of that project.
      if (iniDirs.has(path.dirname(uri.fsPath))) continue;
      const text = await readText(uri);
      if (text && tomlHasAlembic(text)) found.push(...loadProjectAlone(uri.fsPath));
    }
    this.projects = found;
    this.pending.clear();
    this.watchProjects();
    this.state = 'ready';
    this.changeEmitter.fire();
    this.scheduleGrammarCheck();
  }

  /** The full syntax check runs after loading, in slices, so that the extension host stays responsive. */
  private scheduleGrammarCheck(): void {
    clearTimeout(this.grammarTimer);
    const slice = (): void => {
      let changed = false;
      let done = true;
      for (const project of this.projects) {
        const result = project.checkGrammar(GRAMMAR_SLICE_MS);
        changed ||= result.changed;
        if (!result.done) {
          done = false;
          break;
        }
      }
      if (changed) this.changeEmitter.fire();
      this.grammarTimer = done ? undefined : setTimeout(slice, GRAMMAR_PAUSE_MS);
    };
    this.grammarTimer = setTimeout(slice, GRAMMAR_PAUSE_MS);
  }

  private watchProjects(): void {
    this.disposeProjectWatchers();
    for (const project of this.projects) {
      for (const location of project.config.versionLocations) {
        const pattern = new vscode.RelativePattern(
          vscode.Uri.file(location),
          project.config.recursiveVersionLocations ? '**/*.py' : '*.py',
        );
        const watcher = vscode.workspace.createFileSystemWatcher(pattern);
        const onFile = (uri: vscode.Uri): void => this.fileChanged(project, uri.fsPath);
        this.projectWatchers.push(
          watcher,
          watcher.onDidCreate(onFile),
          watcher.onDidChange(onFile),
          watcher.onDidDelete(onFile),
        );
      }
    }
  }

  private disposeProjectWatchers(): void {
    for (const d of this.projectWatchers.splice(0)) d.dispose();
  }

  private fileChanged(project: Project, file: string): void {
    if (!project.ownsRevisionFile(file)) return;
    let files = this.pending.get(project);
    if (!files) this.pending.set(project, (files = new Set()));
    files.add(file);
    // A checkout touching hundreds of files becomes one update.
    clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => this.flush(), DEBOUNCE_MS);
  }

  private flush(): void {
    this.flushTimer = undefined;
    let changed = false;
    for (const [project, files] of this.pending) {
      if (!this.projects.includes(project)) continue;
      for (const file of files) {
        changed = (exists(file) ? project.updateFile(file) : project.removeFile(file)) || changed;
      }
    }
    this.pending.clear();
    if (changed) this.changeEmitter.fire();
    this.notifyIdle();
  }

  private folderDeleted(deleted: string): void {
    const inside = (file: string): boolean => file === deleted || file.startsWith(deleted + path.sep);
    if (this.projects.some((p) => inside(p.config.configFile))) this.scheduleRediscover();
  }

  /** Re-lists a project's version folders (after a command wrote files); true when something changed. */
  rescan(project: Project): boolean {
    if (!this.projects.includes(project) || !project.rescan()) return false;
    this.changeEmitter.fire();
    return true;
  }

  private configChanged(uri: vscode.Uri): void {
    if (
      uri.fsPath
        .split(path.sep)
        .some((part) => ['node_modules', 'site-packages', '.venv', 'venv', '.git'].includes(part))
    )
      return;
    this.scheduleRediscover();
  }

  private scheduleRediscover(): void {
    clearTimeout(this.rediscoverTimer);
    this.rediscoverTimer = setTimeout(() => {
      this.rediscoverTimer = undefined;
      void this.discover();
    }, DEBOUNCE_MS);
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
