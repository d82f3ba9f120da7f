// "Alembic: Check Models Against Database": runs media/python/alembic_lens_drift.py (Alembic's own
// compare_metadata, read-only) with the Python Alembic runs with (alembic.command) and the project's .env,
// and keeps the differences per project for the Model Files view. Trusted workspaces only; failures become one readable line, never a
// traceback. With `alembic.checkOnSave` the check runs after a model file is saved (debounced).
import * as vscode from 'vscode';
import { pickProject } from '../commands/revisionPicker';
import { maskSecrets, type Project } from '../core';
import { type DriftDiff, type DriftErrorCode, parseDriftOutput } from '../core/drift';
import { readTextFile } from '../core/fileBytes';
import type { ProjectRegistry } from '../projects/projectRegistry';
import { runPythonHelper } from '../runner/alembicProcess';
import { AlembicUnavailableError } from '../runner/alembicTerminal';
import type { InterpreterService } from '../runner/interpreter';
import { Disposable } from '../util/disposable';
import { DELAYS, Debouncer } from '../util/schedule';
import type { ModelWatcher } from './modelWatcher';

/** The drift helper imports the project's models and connects: a minute, then it is reported as hanging. */
const TIMEOUT_MS = 60000;

/** `models`: the model files' contents the check saw (modelsContent), to tell when they changed since. */
export type SettledDrift =
  | { kind: 'ok'; diffs: DriftDiff[]; at: Date; models?: string }
  | { kind: 'error'; message: string; code: DriftErrorCode | 'unavailable'; at: Date; models?: string };
export type DriftResult = SettledDrift | { kind: 'running'; previous?: SettledDrift };

export class DriftService extends Disposable {
  private readonly results = new Map<Project, DriftResult>();
  private readonly runs = new Map<Project, Promise<SettledDrift>>();
  /** Projects whose model files no longer hold what their last check saw. */
  private readonly stale = new Set<Project>();
  private readonly onSave = this.register(new Debouncer());
  private readonly changeEmitter = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    private readonly registry: ProjectRegistry,
    private readonly interpreters: InterpreterService,
    private readonly models: ModelWatcher,
    private readonly extensionUri: vscode.Uri,
  ) {
    super();
    this.register(vscode.workspace.onDidSaveTextDocument((doc) => this.saved(doc)));
    this.register(registry.onDidChange((e) => e.kinds.has('projects') && this.forgetGoneProjects()));
    this.register(models.onDidChange(() => this.noteModelChanges()));
  }

  /** The last result was read from models that have changed since (an edit not reverted). */
  isStale(project: Project): boolean {
    return this.stale.has(project);
  }

  get(project: Project): DriftResult | undefined {
    return this.results.get(project);
  }

  /** Runs the check (one at a time per project) and keeps its result. */
  check(project: Project): Promise<SettledDrift> {
    const running = this.runs.get(project);
    if (running) return running;
    const previous = this.results.get(project);
    this.results.set(project, {
      kind: 'running',
      previous: previous?.kind === 'running' ? previous.previous : previous,
    });
    this.changeEmitter.fire();
    const models = this.modelsContent(project);
    const run = this.run(project).then((settled) => {
      const result = { ...settled, models };
      this.runs.delete(project);
      this.stale.delete(project);
      if (this.registry.getProjects().includes(project)) this.results.set(project, result);
      this.changeEmitter.fire();
      return result;
    });
    this.runs.set(project, run);
    return run;
  }

  /** `alembic.models.checkDrift`: runs the check and says how it went. */
  async checkCommand(given?: Project): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      const choice = await vscode.window.showWarningMessage(
        "Checking the models against the database runs your project's Python code: trust the workspace first.",
        'Manage Workspace Trust',
      );
      if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
      return;
    }
    await this.registry.whenIdle();
    const project = given ?? (await pickProject(this.registry.getProjects(), 'Check Models Against Database'));
    if (!project) return;
    const result = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Comparing the models of ${project.name} with the database…`,
      },
      () => this.check(project),
    );
    void vscode.commands.executeCommand('alembic.models.focus');
    if (result.kind === 'error' && result.code === 'not-up-to-date') {
      void vscode.window.showWarningMessage(`Alembic Lens: ${result.message}`, 'Upgrade to Head').then((choice) => {
        if (choice) void vscode.commands.executeCommand('alembic.upgrade.head', { project });
      });
    } else if (result.kind === 'error')
      void vscode.window.showErrorMessage(`Alembic Lens: the drift check failed: ${result.message}`);
    else if (result.kind === 'ok' && !result.diffs.length)
      void vscode.window.showInformationMessage(`Alembic Lens: the models match the database (${project.name}).`);
    else if (result.kind === 'ok')
      void vscode.window.showWarningMessage(
        `Alembic Lens: ${result.diffs.length} difference${result.diffs.length === 1 ? '' : 's'} between the models and the database: see the Model Files view.`,
      );
  }

  private async run(project: Project): Promise<SettledDrift> {
    const at = new Date();
    if (!vscode.workspace.isTrusted)
      return {
        kind: 'error',
        code: 'unavailable',
        message: 'Alembic Lens runs no Python in an untrusted workspace.',
        at,
      };
    const folder = this.registry.folderOf(project);
    try {
      const script = vscode.Uri.joinPath(this.extensionUri, 'media', 'python', 'alembic_lens_drift.py').fsPath;
      const section = project.config.section !== 'alembic' ? ['-n', project.config.section] : [];
      const run = await runPythonHelper(
        this.interpreters,
        folder,
        script,
        (alembicPath) => ['-c', alembicPath(project.config.configFile), ...section],
        TIMEOUT_MS,
      );
      const { stdout, stderr } = run;
      const error = run.timedOut
        ? `no answer within ${TIMEOUT_MS / 1000} s`
        : run.exitCode
          ? `exit code ${run.exitCode}`
          : undefined;
      const parsed = parseDriftOutput(stdout);
      if (parsed.ok) return { kind: 'ok', diffs: parsed.diffs, at };
      const lastLine = stderr
        .trim()
        .split(/\r?\n/)
        .filter((l) => l.trim())
        .pop();
      const message = parsed.error || lastLine || error || 'no answer from the drift helper';
      return { kind: 'error', code: parsed.code, message: maskSecrets(message), at };
    } catch (err) {
      const message = err instanceof AlembicUnavailableError ? err.message : (err as Error).message;
      return { kind: 'error', code: 'unavailable', message: maskSecrets(message), at };
    }
  }

  /** Decided from content, not from file events: a change reverted makes the result current again. */
  private noteModelChanges(): void {
    let changed = false;
    for (const [project, result] of this.results) {
      if (result.kind === 'running' || result.models === undefined) continue;
      const stale = this.modelsContent(project) !== result.models;
      if (stale === this.stale.has(project)) continue;
      if (stale) this.stale.add(project);
      else this.stale.delete(project);
      changed = true;
    }
    if (changed) this.changeEmitter.fire();
  }

  /** The model files and their texts, as one string (small: the models of one project). */
  private modelsContent(project: Project): string {
    const files = [...(this.models.get(project)?.files ?? [])].map((f) => f.path).sort();
    return files.map((file) => `${file}\0${textOrNothing(file)}`).join('\0');
  }

  /** `alembic.checkOnSave`: a saved model file starts a check once saving has settled. */
  private saved(document: vscode.TextDocument): void {
    const hit = this.models.modelFileOf(document.uri.fsPath);
    if (!hit || !vscode.workspace.isTrusted) return;
    if (!vscode.workspace.getConfiguration('alembic', document.uri).get<boolean>('checkOnSave', false)) return;
    const { project } = hit;
    this.onSave.schedule(this.registry.keyOf(project), DELAYS.driftOnSave, () => void this.check(project));
  }

  private forgetGoneProjects(): void {
    const projects = new Set(this.registry.getProjects());
    let changed = false;
    for (const project of [...this.results.keys()]) {
      if (projects.has(project)) continue;
      this.results.delete(project);
      this.stale.delete(project);
      changed = true;
    }
    if (changed) this.changeEmitter.fire();
  }
}

/** A file's text; empty when it cannot be read (deleted: a change like any other). */
function textOrNothing(file: string): string {
  try {
    return readTextFile(file);
  } catch {
    return '';
  }
}
