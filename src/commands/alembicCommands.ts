// The palette and tree actions: each one picks a project and revisions from the graph, confirms what it
// will change when it changes the database, then runs Alembic in the project's terminal. A command only
// starts the runner: the views follow from the runner's finish event and the file watchers.
import * as vscode from 'vscode';
import {
  type AlembicCommand,
  type DatabaseState,
  downgradeOneTarget,
  downgradePlan,
  maskSecrets,
  type Project,
  type Revision,
  revisionState,
  stampResult,
  upgradePlan,
} from '../core';
import { accidentalForkHeads } from '../core/teams/forkHeads';
import type { DatabaseStatusService, ProjectDatabaseStatus } from '../database/databaseStatus';
import type { ModelWatcher } from '../models/modelWatcher';
import type { ProjectRegistry } from '../projects/projectRegistry';
import { shortId } from '../revisions/revisionsTree';
import { runAlembicCaptured } from '../runner/alembicProcess';
import type { AlembicRunner, RunResult } from '../runner/alembicTerminal';
import type { InterpreterService } from '../runner/interpreter';
import { runnerProject } from '../runner/runnerProject';
import { historyLoads } from './brokenHistory';
import type { CommandHandler } from './commandRegistry';
import { explainEmptyRevision } from './emptyRevision';
import { createConfigForScripts, initializeAlembic } from './initAlembic';
import { createdRevisionFile } from './newRevisionFile';
import { pickProject, pickRevision } from './revisionPicker';
import type { SqlDocuments } from './sqlDocuments';

/** What a tree item passes to a command. */
export interface RevisionTarget {
  project: Project;
  revision: Revision;
}

export class AlembicCommands {
  constructor(
    private readonly registry: ProjectRegistry,
    private readonly runner: AlembicRunner,
    private readonly interpreters: InterpreterService,
    private readonly database: DatabaseStatusService,
    private readonly sqlDocuments: SqlDocuments,
    private readonly models: ModelWatcher,
  ) {}

  /** The commands by id, for the command registry. */
  commandTable(): Record<string, CommandHandler> {
    return {
      'alembic.revision.autogenerate': (t?: RevisionTarget) => this.generateRevision(true, t?.project),
      'alembic.revision.new': (t?: RevisionTarget) => this.generateRevision(false, t?.project),
      'alembic.upgrade.head': (t?: RevisionTarget) => this.upgradeHead(t?.project),
      'alembic.downgrade.one': (t?: RevisionTarget) => this.downgradeOne(t?.project),
      'alembic.upgrade.to': (t?: RevisionTarget) => this.upgradeTo(t),
      'alembic.downgrade.to': (t?: RevisionTarget) => this.downgradeTo(t),
      'alembic.stamp': (t?: RevisionTarget) => this.stamp(t),
      'alembic.merge.heads': (t?: { project?: Project; revisions?: string[] }) =>
        this.mergeHeads(t?.project, t?.revisions),
      'alembic.current.show': (t?: RevisionTarget) => this.showCurrent(t?.project),
      'alembic.sql.upgrade': (t?: RevisionTarget) => this.showUpgradeSql(t),
      'alembic.init': () => initializeAlembic(this.runner, this.interpreters),
      'alembic.init.configForScripts': () => createConfigForScripts(this.registry),
      'alembic.revision.copyId': (t?: RevisionTarget) => t && vscode.env.clipboard.writeText(t.revision.id),
    };
  }

  private requireTrust(): boolean {
    if (vscode.workspace.isTrusted) return true;
    void vscode.window
      .showWarningMessage(
        "Alembic Lens runs Alembic (your project's Python code) only in a trusted workspace.",
        'Manage Workspace Trust',
      )
      .then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
      });
    return false;
  }

  /** The project a command runs on (the given one, else picked), once the user knows Alembic can load it. */
  private async project(given: Project | undefined, title: string): Promise<Project | undefined> {
    const project = given ?? (await this.pickedProject(title));
    return project && (await historyLoads(project, title)) ? project : undefined;
  }

  private async pickedProject(title: string): Promise<Project | undefined> {
    await this.registry.whenIdle();
    const projects = this.registry.getProjects();
    if (!projects.length) {
      const unconfigured = this.registry.unconfiguredScripts().length > 0;
      const choice = await vscode.window.showInformationMessage(
        unconfigured
          ? 'No Alembic project in this workspace: its scripts folder has no alembic.ini naming it.'
          : 'No Alembic project in this workspace.',
        unconfigured ? 'Create alembic.ini for It...' : 'Initialize Alembic in Folder...',
      );
      if (choice) void vscode.commands.executeCommand(unconfigured ? 'alembic.init.configForScripts' : 'alembic.init');
      return undefined;
    }
    return pickProject(projects, title);
  }

  /** Runs a command in the project's terminal; a failure is reported by the runner's finish event. */
  private run(project: Project, command: AlembicCommand): Promise<RunResult> {
    return this.runner.runCommand(runnerProject(project, this.registry), command);
  }

  private async currentState(project: Project): Promise<DatabaseState | undefined> {
    if (!this.database.get(project) || this.database.get(project)?.kind === 'checking')
      await this.database.refresh(project);
    return this.database.stateOf(project);
  }

  // ------------------------------------------------------------------ revisions

  async generateRevision(autogenerate: boolean, given?: Project): Promise<void> {
    if (!this.requireTrust()) return;
    const project = await this.project(given, autogenerate ? 'Generate Revision (autogenerate)' : 'New Empty Revision');
    if (!project) return;
    const message = await vscode.window.showInputBox({
      title: autogenerate ? 'Generate Revision (autogenerate)' : 'New Empty Revision',
      prompt: 'The revision message (it becomes the docstring and the file name)',
      placeHolder: 'What the revision does, in a few words',
      validateInput: (value) => (value.trim() ? undefined : 'A message says what the revision does'),
    });
    if (message === undefined) return;
    const heads = project.graph.heads;
    let head: string | undefined;
    if (heads.length > 1) {
      // Heads on labelled branches by design (expand/contract) are not merged: the new revision picks one.
      const fork = accidentalForkHeads(project.graph).length > 0;
      const choice = await vscode.window.showWarningMessage(
        `This project has ${heads.length} heads (${heads.map(shortId).join(', ')}). Alembic cannot add a revision on top of several heads.`,
        {
          modal: true,
          detail: fork
            ? 'Merge the heads first, or choose the head the new revision follows.'
            : 'They are separate labelled branches: choose the head the new revision follows.',
        },
        ...(fork ? ['Merge Heads First'] : []),
        'Choose a Head...',
      );
      if (choice === 'Merge Heads First') return this.mergeHeads(project);
      if (choice !== 'Choose a Head...') return;
      const picked = await pickRevision(project, { title: 'The new revision follows...', filter: (r) => r.isHead });
      if (!picked) return;
      head = picked.id;
    }
    const command: AlembicCommand = { command: 'revision', message: message.trim(), autogenerate, head };
    const file = await this.runCreatingRevision(project, command);
    if (!file) return;
    await vscode.window.showTextDocument(vscode.Uri.file(file));
    if (!autogenerate || !project.recordOfFile(file)?.upgradeEmpty) return;
    await explainEmptyRevision(project, file, this.models.discovery(project));
  }

  /** Runs `revision` or `merge`; the file it created, once known (undefined when it failed). */
  private async runCreatingRevision(project: Project, command: AlembicCommand): Promise<string | undefined> {
    const before = new Set(project.revisionFiles);
    const result = await this.run(project, command);
    if (result.exitCode) return undefined;
    return createdRevisionFile(this.registry, project, before, result);
  }

  // ------------------------------------------------------------------ upgrade / downgrade / stamp

  async upgradeHead(given?: Project): Promise<void> {
    if (!this.requireTrust()) return;
    const project = await this.project(given, 'Upgrade to Head');
    if (!project) return;
    const heads = project.graph.heads;
    let target = 'head';
    if (heads.length > 1) {
      const fork = accidentalForkHeads(project.graph).length > 0;
      const choice = await vscode.window.showWarningMessage(
        `This project has ${heads.length} heads: \`upgrade head\` would fail with "Multiple head revisions".`,
        {
          modal: true,
          detail: fork
            ? `Heads: ${heads.map(shortId).join(', ')}.\nUpgrade all heads applies every branch; merging them first gives one line of history again.`
            : `Heads: ${heads.map(shortId).join(', ')}, each on its own labelled branch.\nUpgrade all heads applies every branch (\`alembic upgrade heads\`).`,
        },
        'Upgrade All Heads',
        ...(fork ? ['Merge Heads'] : []),
      );
      if (choice === 'Merge Heads') return this.mergeHeads(project);
      if (choice !== 'Upgrade All Heads') return;
      target = 'heads';
    }
    const state = await this.currentState(project);
    const headRevisions = heads.map((h) => project.graph.get(h)!);
    const applying = state
      ? upgradePlan(project.graph, state.rows, target).revisions
      : project.graph.ancestors(headRevisions);
    if (!(await this.confirmRemote(project, `Upgrade to ${target}`, applying, 'apply', !!state))) return;
    await this.run(project, { command: 'upgrade', revision: target });
  }

  async upgradeTo(target?: RevisionTarget): Promise<void> {
    if (!this.requireTrust()) return;
    const project = await this.project(target?.project, 'Upgrade to Revision...');
    if (!project) return;
    const state = await this.currentState(project);
    const revision =
      target?.revision ??
      (await pickRevision(project, {
        title: 'Upgrade to Revision...',
        database: state,
        filter: state ? (r) => revisionState(state, r) === 'pending' : undefined,
      }));
    if (!revision) return;
    const applying = state
      ? upgradePlan(project.graph, state.rows, revision.id).revisions
      : project.graph.ancestors([revision]);
    if (state && !applying.length) {
      void vscode.window.showInformationMessage(`${shortId(revision.id)} is already applied.`);
      return;
    }
    if (!(await this.confirmRemote(project, `Upgrade to ${shortId(revision.id)}`, applying, 'apply', !!state))) return;
    await this.run(project, { command: 'upgrade', revision: revision.id });
  }

  async downgradeOne(given?: Project): Promise<void> {
    if (!this.requireTrust()) return;
    const project = await this.project(given, 'Downgrade One Revision');
    if (!project) return;
    const state = await this.currentState(project);
    if (!state?.current.length) {
      void vscode.window.showInformationMessage(nothingToDowngrade(this.database.get(project), state));
      return;
    }
    let current = state.current[0];
    if (state.current.length > 1) {
      const picked = await pickRevision(project, {
        title: 'The database is at several heads: downgrade which one?',
        filter: (r) => state.current.includes(r),
        database: state,
      });
      if (!picked) return;
      current = picked;
    }
    // The argument Alembic accepts that reverts `current` and as little else as it can (see downgradeOneTarget).
    const one = downgradeOneTarget(project.graph, state.rows, current);
    if (one instanceof Error) throw one;
    if (!(await this.confirmDowngrade(project, one.reverted, one.after))) return;
    await this.run(project, { command: 'downgrade', revision: one.argument });
  }

  async downgradeTo(target?: RevisionTarget): Promise<void> {
    if (!this.requireTrust()) return;
    const project = await this.project(target?.project, 'Downgrade to Revision...');
    if (!project) return;
    const state = await this.currentState(project);
    if (!state) {
      void vscode.window.showWarningMessage(
        `The database state is unknown, so Alembic Lens cannot say what a downgrade would revert: ${this.database.get(project)?.message ?? ''}`,
      );
      return;
    }
    const revision =
      target?.revision ??
      (await pickRevision(project, {
        title: 'Downgrade to Revision...',
        database: state,
        includeBase: true,
        filter: (r) => revisionState(state, r) === 'applied',
      }));
    if (revision === undefined) return;
    const plan = downgradePlan(project.graph, state.rows, revision ? revision.id : 'base');
    const reverted = plan.revisions;
    if (!reverted.length) {
      void vscode.window.showInformationMessage(
        `Nothing to revert: the database does not stand on anything above ${revision ? shortId(revision.id) : 'base'}.`,
      );
      return;
    }
    if (!(await this.confirmDowngrade(project, reverted, plan.after))) return;
    await this.run(project, { command: 'downgrade', revision: revision ? revision.id : 'base' });
  }

  async stamp(target?: RevisionTarget): Promise<void> {
    if (!this.requireTrust()) return;
    const project = await this.project(target?.project, 'Stamp Revision...');
    if (!project) return;
    const state = await this.currentState(project);
    const revision =
      target?.revision ??
      (await pickRevision(project, {
        title: 'Stamp Revision... (records a revision without running it)',
        database: state,
        includeBase: true,
      }));
    if (revision === undefined) return;
    const status = this.database.get(project);
    const from = state?.current.length
      ? state.current.map((r) => shortId(r.id)).join(', ')
      : state
        ? 'base'
        : 'unknown';
    // What the version table holds afterwards: current revisions on other lines of history stay.
    const destination = revision ? revision.id : 'base';
    const recorded = state ? stampResult(project.graph, state.rows, [destination]) : revision ? [revision.id] : [];
    const described = recorded.map((id) => {
      const rev = project.graph.get(id);
      return rev ? `${shortId(id)} (${rev.source.message})` : shortId(id);
    });
    const to = described.length ? described.join(', ') : 'base';
    const choice = await vscode.window.showWarningMessage(
      `Stamp ${status?.database ?? 'the database'} as ${revision ? shortId(revision.id) : 'base'}?`,
      {
        modal: true,
        detail: `Stamping rewrites the version table only: no migration runs, the schema is not changed.\nDatabase: ${status?.database ?? 'unknown'}\nRecorded now: ${from}\nWill record: ${to}`,
      },
      'Stamp',
    );
    if (choice !== 'Stamp') return;
    await this.run(project, { command: 'stamp', revisions: [revision ? revision.id : 'base'] });
  }

  /** Asks first, naming where the database will stand (`after`: the version table Alembic leaves) and what runs. */
  private async confirmDowngrade(project: Project, reverted: Revision[], after: readonly string[]): Promise<boolean> {
    const status = this.database.get(project);
    const list = reverted.slice(0, 15).map((r) => `• ${shortId(r.id)}  ${r.source.message}`);
    if (reverted.length > 15) list.push(`• ... and ${reverted.length - 15} more`);
    // After a merge point the database may stand on several revisions, and on none of the target's line.
    const destination = after.length ? [...after].sort().map(shortId).join(' and ') : 'base';
    const choice = await vscode.window.showWarningMessage(
      `Downgrade ${status?.database ?? 'the database'} to ${destination}?`,
      {
        modal: true,
        detail: `This runs downgrade() of ${reverted.length} revision${reverted.length === 1 ? '' : 's'}; columns and tables they created are dropped with their data:\n${list.join('\n')}\n\nDatabase: ${status?.database ?? 'unknown'}${status?.source ? ` (${status.source})` : ''}`,
      },
      'Downgrade',
    );
    return choice === 'Downgrade';
  }

  /** Upgrades of a database on another machine ask first, naming the database and what runs. */
  /**
   * Upgrades of a database on another machine ask first, naming the database and what runs. When the
   * database could not be read, `applying` is every revision up to the target: all of them may run.
   */
  private async confirmRemote(
    project: Project,
    action: string,
    applying: Revision[],
    verb: string,
    stateKnown: boolean,
  ): Promise<boolean> {
    const status = this.database.get(project);
    if (status?.local !== false) return true;
    const list = applying.slice(0, 15).map((r) => `• ${shortId(r.id)}  ${r.source.message}`);
    if (applying.length > 15) list.push(`• ... and ${applying.length - 15} more`);
    const count = `${applying.length} revision${applying.length === 1 ? '' : 's'}`;
    const what = stateKnown
      ? `This will ${verb} ${count}:`
      : `Its current revision could not be read (${status.message ?? status.kind}), so up to ${count} may ${verb === 'apply' ? 'be applied' : 'run'}:`;
    const choice = await vscode.window.showWarningMessage(
      `${action} on ${status.database}?`,
      { modal: true, detail: `${status.database} is not on this machine.\n${what}\n${list.join('\n')}` },
      'Run',
    );
    return choice === 'Run';
  }

  // ------------------------------------------------------------------ merge, current, SQL

  /** Merges the project's accidental fork (else all its heads), or the given ones (at least two heads, e.g. selected in the graph). */
  async mergeHeads(given?: Project, only?: string[]): Promise<void> {
    if (!this.requireTrust()) return;
    const project = await this.project(given, 'Merge Heads');
    if (!project) return;
    // Heads on their own labelled branch (expand, contract) are by design: only the accidental fork is joined.
    const fork = accidentalForkHeads(project.graph).map((head) => head.id);
    const heads = only?.length
      ? only.filter((id) => project.graph.heads.includes(id))
      : fork.length
        ? fork
        : project.graph.heads;
    if (heads.length < 2) {
      void vscode.window.showInformationMessage('This project has a single head: nothing to merge.');
      return;
    }
    const message = await vscode.window.showInputBox({
      title: `Merge ${heads.length} heads`,
      prompt: "The merge revision's message",
      value: `merge ${heads.map(shortId).join(' and ')}`,
      validateInput: (value) => (value.trim() ? undefined : 'A message is needed'),
    });
    if (message === undefined) return;
    const merge: AlembicCommand = { command: 'merge', revisions: heads, message: message.trim() };
    const file = await this.runCreatingRevision(project, merge);
    if (file) await vscode.window.showTextDocument(vscode.Uri.file(file));
  }

  async showCurrent(given?: Project): Promise<void> {
    if (!this.requireTrust()) return;
    const project = await this.project(given, 'Show Current');
    if (!project) return;
    await this.run(project, { command: 'current', verbose: true });
  }

  /** Offline (`--sql`) upgrade from where the database is to a revision, formatted, in a SQL editor. */
  async showUpgradeSql(target?: RevisionTarget): Promise<void> {
    if (!this.requireTrust()) return;
    const project = await this.project(target?.project, 'Show SQL for Upgrade...');
    if (!project) return;
    const state = await this.currentState(project);
    const revision =
      target?.revision ??
      (await pickRevision(project, {
        title: 'Show SQL for Upgrade to...',
        database: state,
        filter: state ? (r) => revisionState(state, r) === 'pending' : undefined,
      }));
    if (!revision) return;
    const from = state && state.current.length === 1 ? state.current[0].id : undefined;
    const range = from ? `${from}:${revision.id}` : revision.id;
    const run = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `alembic upgrade ${range} --sql` },
      () =>
        runAlembicCaptured(this.interpreters, runnerProject(project, this.registry), {
          command: 'upgrade',
          revision: range,
          sql: true,
        }),
    );
    if (run.exitCode !== 0) {
      const detail = run.stderr.trim().split('\n').slice(-8).join('\n');
      void vscode.window.showErrorMessage(`alembic upgrade --sql failed (exit code ${run.exitCode})`, {
        modal: true,
        detail: maskSecrets(detail),
      });
      return;
    }
    const dialect = this.database.get(project)?.dialect;
    const name = `upgrade ${from ? shortId(from) : 'base'}..${shortId(revision.id)}.sql`;
    await this.sqlDocuments.show(name, await formatOfflineSql(run.stdout, dialect));
  }
}

/** Why Downgrade One has nothing to do: the database's state in words (the menus already hide it then). */
function nothingToDowngrade(status: ProjectDatabaseStatus | undefined, state: DatabaseState | undefined): string {
  const database = status?.database ?? 'the database';
  switch (status?.kind) {
    case 'no-database':
      return `There is no database yet (${database}): there is nothing to downgrade.`;
    case 'no-version-table':
      return `${database} is not migrated yet (no alembic_version table): there is nothing to downgrade.`;
    case 'ok':
      if (!state?.unknown.length) return `${database} is at base: there is nothing to downgrade.`;
      return `${database} is at ${state.unknown.map(shortId).join(', ')}, which this history does not have: Alembic cannot downgrade from there.`;
    default: {
      const why = (status?.message ?? 'see the status bar').replace(/\.$/, '');
      return `The database state can't be read, so there is nothing to downgrade from: ${why}.`;
    }
  }
}

const FORMATTER_LANGUAGE: Record<string, 'sqlite' | 'postgresql' | 'mysql' | 'mariadb'> = {
  sqlite: 'sqlite',
  postgresql: 'postgresql',
  mysql: 'mysql',
  mariadb: 'mariadb',
};

/** Formats Alembic's offline SQL for reading; left as Alembic wrote it when the formatter cannot parse it. */
export async function formatOfflineSql(sql: string, dialect?: string): Promise<string> {
  try {
    const { format } = await import('sql-formatter');
    return format(sql, { language: FORMATTER_LANGUAGE[dialect ?? ''] ?? 'sql', keywordCase: 'upper' });
  } catch {
    return sql;
  }
}
