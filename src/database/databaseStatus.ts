// Where each project's database stands: read straight from its version table (knex), or, when the URL
// cannot be known statically or the driver does not load, by asking `alembic current`. Refreshed when an
// Alembic command ends, when the SQLite file appears or changes, when .env changes, and on demand.
// Nothing here connects to a database or runs Python in an untrusted workspace.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  classifyAlembicFailure,
  type DatabaseState,
  type DatabaseUrlSource,
  databaseState,
  maskSecrets,
  type Project,
} from '../core';
import { readProjectDatabase } from '../core/projectDatabase';
import { currentFromAlembicOutput, missingSqliteFileFromOutput } from '../core/versionTable';
import type { ProjectRegistry } from '../projects/projectRegistry';
import { composeDatabaseUrl } from '../runner/alembicLauncher';
import { runAlembicCurrent } from '../runner/alembicProcess';
import { AlembicUnavailableError } from '../runner/alembicTerminal';
import type { InterpreterService } from '../runner/interpreter';
import { runnerProject } from '../runner/runnerProject';
import { Disposable } from '../util/disposable';
import { DELAYS, Debouncer } from '../util/schedule';

export type DatabaseStatusKind =
  | 'checking'
  | 'ok'
  | 'no-database'
  | 'no-version-table'
  | 'unreachable'
  /** The server answered and refused the login: a wrong password, an unknown user. */
  | 'refused'
  /** Reading failed before any database was contacted: a module missing, env.py, an invalid URL. */
  | 'unreadable'
  | 'unknown'
  | 'untrusted';

export interface ProjectDatabaseStatus {
  kind: DatabaseStatusKind;
  /** The version table's rows (kind 'ok'). */
  revisions?: string[];
  /** "SQLite app.db", "PostgreSQL app on db.example.com": never a password. */
  database?: string;
  /** Where the answer came from: "DATABASE_URL from .env", "alembic.ini", "alembic current". */
  source?: string;
  /** Where the URL came from, typed (absent when `alembic current` answered without one). */
  urlSource?: DatabaseUrlSource;
  /** Why the status is not 'ok', for tooltips. */
  message?: string;
  /** In a few words: what failed (kind 'unreadable', "the project's Python has no module sqlmodel"), or what is odd (kind 'no-database': "its folder is missing"). */
  reason?: string;
  /** sqlite | postgresql | mysql | ..., for the SQL formatter. */
  dialect?: string;
  /** True for SQLite files and servers on this machine: no extra confirmation for them. */
  local?: boolean;
}

/** A status that needs Python (`alembic current`) is not asked again on focus more often than this. */
const FOCUS_PYTHON_MIN_MS = 60000;

export class DatabaseStatusService extends Disposable {
  private readonly statuses = new Map<Project, ProjectDatabaseStatus>();
  private readonly reads = new Map<Project, Promise<void>>();
  private readonly watchers = new Map<Project, vscode.Disposable>();
  private readonly scheduled = this.register(new Debouncer());
  private readonly readAt = new Map<Project, number>();
  private readonly changeEmitter = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    private readonly registry: ProjectRegistry,
    private readonly interpreters: InterpreterService,
    private readonly extensionUri: vscode.Uri,
  ) {
    super();
    this.register(
      registry.onDidChange((e) => {
        // The registry has loaded `.env` or the settings and resolved the URL again: read with them.
        if (e.kinds.has('projects')) this.projectsChanged();
        else if (e.kinds.has('config')) for (const p of e.projects) void this.refresh(p);
        else if (e.kinds.has('environment')) for (const p of e.projects) this.scheduleRefresh(p);
      }),
    );
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.refreshAll()));
    // Coming back to the window: someone may have migrated the database meanwhile. A status that
    // needs Python (`alembic current`) is not re-asked more than once a minute for that.
    this.register(vscode.window.onDidChangeWindowState((e) => e.focused && this.refreshOnFocus()));
    this.register({
      dispose: () => {
        for (const w of this.watchers.values()) w.dispose();
      },
    });
  }

  get(project: Project): ProjectDatabaseStatus | undefined {
    return this.statuses.get(project);
  }

  /** The database status combined with the project's graph: current, applied, pending. */
  stateOf(project: Project): DatabaseState | undefined {
    const status = this.statuses.get(project);
    if (status?.kind === 'ok') return databaseState(project.graph, status.revisions ?? []);
    if (status?.kind === 'no-database' || status?.kind === 'no-version-table') return databaseState(project.graph, []);
    return undefined;
  }

  private refreshOnFocus(): void {
    for (const project of this.registry.getProjects()) {
      const status = this.statuses.get(project);
      const askedPython =
        status?.source === 'alembic current' && Date.now() - (this.readAt.get(project) ?? 0) < FOCUS_PYTHON_MIN_MS;
      if (!askedPython) void this.refresh(project);
    }
  }

  refreshAll(): Promise<void> {
    return Promise.all(this.registry.getProjects().map((p) => this.refresh(p))).then(() => undefined);
  }

  /** Reads the project's database again; concurrent calls share one read. */
  refresh(project: Project): Promise<void> {
    const running = this.reads.get(project);
    if (running) return running;
    const read = this.read(project).finally(() => this.reads.delete(project));
    this.reads.set(project, read);
    return read;
  }

  /**
   * After an Alembic command: read again now, and, when the command was typed without shell
   * integration (its end is unknown), a few more times while it may still be running.
   */
  refreshAfterCommand(project: Project, endUnknown: boolean): void {
    void this.refresh(project);
    if (!endUnknown) return;
    const key = this.registry.keyOf(project);
    // Keyed by delay too: a second blind command restarts the same follow-ups instead of adding more.
    for (const delay of DELAYS.afterBlindCommand)
      this.scheduled.schedule(`after:${key}:${delay}`, delay, () => this.refresh(project));
  }

  private scheduleRefresh(project: Project): void {
    this.scheduled.schedule(`read:${this.registry.keyOf(project)}`, DELAYS.databaseRead, () => this.refresh(project));
  }

  private projectsChanged(): void {
    const projects = new Set(this.registry.getProjects());
    let removed = false;
    for (const project of [...this.statuses.keys()]) {
      if (projects.has(project)) continue;
      removed = true;
      this.statuses.delete(project);
      this.readAt.delete(project);
      this.watchers.get(project)?.dispose();
      this.watchers.delete(project);
    }
    for (const project of projects) if (!this.statuses.has(project)) void this.refresh(project);
    if (removed) this.changeEmitter.fire();
  }

  private set(project: Project, status: ProjectDatabaseStatus): void {
    // Every text of a status reaches a tooltip: it never holds a secret, whatever produced it.
    const next = { ...status, message: status.message && maskSecrets(status.message) };
    const unchanged = JSON.stringify(this.statuses.get(project)) === JSON.stringify(next);
    this.statuses.set(project, next);
    this.readAt.set(project, Date.now());
    // A re-read that finds the same state changes no view (a refresh under a click loses the click).
    if (!unchanged) this.changeEmitter.fire();
  }

  private async read(project: Project): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      this.set(project, {
        kind: 'untrusted',
        message: 'In an untrusted workspace Alembic Lens connects to no database and runs no Python.',
      });
      return;
    }
    if (!this.statuses.has(project)) this.set(project, { kind: 'checking' });
    const { folder } = this.registry.contextOf(project);
    const { result, sqliteFile, ...describe } = await readProjectDatabase({
      config: project.config,
      // Resolved by the registry (setting, environment, .env, env.py, the ini), again: env.py may have changed.
      resolved: this.registry.resolveDatabaseUrl(project),
      // Under Compose, a host such as `db` is only a name inside the Compose network.
      hostUrl: (url) => composeDatabaseUrl(folder, url),
    });
    if (sqliteFile) this.watchSqliteFile(project, sqliteFile);
    switch (result.status) {
      case 'ok':
        return this.set(project, { kind: 'ok', revisions: result.revisions, ...describe });
      case 'no-database':
        if (result.missingFolder) {
          const message = `SQLite cannot create the database file there: the folder ${result.missingFolder} does not exist, so the first upgrade would fail ("unable to open database file"). Create the folder, or fix the URL.`;
          return this.set(project, { kind: 'no-database', reason: 'its folder is missing', message, ...describe });
        }
        return this.set(project, { kind: 'no-database', ...describe });
      case 'no-version-table':
        return this.set(project, { kind: result.status, ...describe });
      case 'unreachable':
        return this.set(project, {
          kind: result.refused ? 'refused' : 'unreachable',
          message: result.message,
          ...describe,
        });
      case 'unsupported':
        return this.askAlembic(project, `${sentence(result.message)} Asked \`alembic current\` instead.`, describe);
      case 'unresolved':
        return this.askAlembic(project, result.message, {});
    }
  }

  /** The fallback: `alembic current` with the project's interpreter, as the user would run it. */
  private async askAlembic(project: Project, why: string, describe: Partial<ProjectDatabaseStatus>): Promise<void> {
    try {
      const script = vscode.Uri.joinPath(this.extensionUri, 'media', 'python', 'alembic_lens_current.py').fsPath;
      const run = await runAlembicCurrent(this.interpreters, runnerProject(project, this.registry), script, 30000);
      const missing = run.exitCode !== 0 ? missingSqliteFileFromOutput(run.stderr) : undefined;
      if (missing) {
        const message = `${why} env.py opens the SQLite file ${missing}, which does not exist yet (the first upgrade creates it).`;
        return this.set(project, { ...describe, kind: 'no-database', source: 'alembic current', message });
      }
      if (run.exitCode !== 0) {
        const failure = classifyAlembicFailure(`${run.stdout}\n${run.stderr}`, run.exitCode);
        const message = [`${capitalize(failure.message)}.`, failure.fix, why].filter(Boolean).join('\n');
        const kind: DatabaseStatusKind = failure.refused ? 'refused' : failure.kind;
        const failed = { kind, reason: failure.message, source: 'alembic current', message };
        return this.set(project, { ...describe, ...failed });
      }
      const revisions = currentFromAlembicOutput(run.stdout);
      this.set(project, { ...describe, kind: 'ok', revisions, source: 'alembic current', message: why });
    } catch (err) {
      const message = err instanceof AlembicUnavailableError ? err.message : (err as Error).message;
      this.set(project, { ...describe, kind: 'unknown', message: `${why} ${message}` });
    }
  }

  /** A fresh clone has no SQLite file until the first upgrade: notice when it appears or changes. */
  private watchSqliteFile(project: Project, file: string): void {
    const key = `${this.registry.keyOf(project)}:${file}`;
    const existing = this.watchers.get(project) as (vscode.Disposable & { key?: string }) | undefined;
    if (existing?.key === key) return;
    existing?.dispose();
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)),
    );
    const refresh = (): void => this.scheduleRefresh(project);
    const subscriptions = [
      watcher,
      watcher.onDidCreate(refresh),
      watcher.onDidChange(refresh),
      watcher.onDidDelete(refresh),
    ];
    this.watchers.set(project, Object.assign(vscode.Disposable.from(...subscriptions), { key }));
  }
}

function sentence(text: string): string {
  return text.replace(/\.?$/, '.');
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
