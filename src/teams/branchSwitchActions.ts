// The actions for a database left at another branch's revision (src/core/git/revisionOrigin.ts):
// Switch Back (a git checkout of that branch, refused on uncommitted changes) and Downgrade with its
// revisions (src/core/teams/branchSwitch.ts: the missing files in a temporary folder, a temporary ini
// copy naming it, the real `alembic downgrade` in the project's terminal). Each asks first, naming
// the branch, or the revisions reverted and the database.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CommandHandler } from '../commands/commandRegistry';
import { pickProject } from '../commands/revisionPicker';
import type { Project } from '../core';
import type { RevisionDeletion } from '../core/git/deletedRevisions';
import { describeOrigin, originOfUnknownRevision, type RevisionOrigin } from '../core/git/revisionOrigin';
import { switchRefusal, switchToBranch } from '../core/git/workTree';
import { planForeignDowngrade } from '../core/teams/branchSwitch';
import { prepareTemporaryConfig } from '../core/teams/temporaryConfig';
import type { DatabaseStatusService } from '../database/databaseStatus';
import type { ProjectRegistry } from '../projects/projectRegistry';
import { shortId } from '../revisions/revisionsTree';
import type { ActionItem, DatabaseOrigins } from '../revisions/statusBar';
import { containerMount } from '../runner/alembicLauncher';
import type { AlembicRunner } from '../runner/alembicTerminal';
import { Disposable } from '../util/disposable';
import type { TeamsService } from './teamsService';
import { runWithTemporaryConfig, type TemporaryRunContext } from './temporaryRun';

export class BranchSwitchActions extends Disposable implements DatabaseOrigins {
  readonly onDidChange: vscode.Event<void>;
  private readonly context: TemporaryRunContext;

  constructor(
    private readonly registry: ProjectRegistry,
    private readonly teams: TeamsService,
    private readonly database: DatabaseStatusService,
    runner: AlembicRunner,
  ) {
    super();
    this.onDidChange = teams.onDidChange;
    this.context = { registry, runner, own: (d) => this.register(d) };
  }

  describe(project: Project): string | undefined {
    const origin = this.teams.originOf(project);
    return origin && describeOrigin(origin);
  }

  commandTable(): Record<string, CommandHandler> {
    return {
      'alembic.teams.originActions': (t?: { project?: Project }) => this.showActions(t?.project),
      'alembic.teams.switchBack': (t?: { project?: Project }) => this.switchBack(t?.project),
      'alembic.teams.downgradeWithOrigin': (t?: { project?: Project }) => this.downgradeWithOrigin(t?.project),
    };
  }

  /** The quick pick items for a project whose database is at another branch's revision (none otherwise). */
  actionItems(project: Project): ActionItem[] {
    const origin = this.teams.originOf(project);
    if (!origin) return [];
    // A file deleted from this checkout: writing it back is the way; a downgrade is for undoing it first.
    const deletion: RevisionDeletion | undefined = origin.deletedHere && {
      revision: origin.revision,
      commit: origin.commit,
      inWorkTree: true,
      restoreFrom: 'HEAD',
      author: '',
      date: '',
      path: origin.deletedHere.path,
    };
    const restore = origin.deletedHere && {
      label: `$(history) Restore ${path.basename(origin.deletedHere.file)} from HEAD`,
      command: 'alembic.teams.restoreRevision',
      args: { deletion },
    };
    return [
      ...(restore ? [restore] : []),
      ...(origin.isBranch
        ? [{ label: `$(git-branch) Switch Back to ${origin.ref}`, command: 'alembic.teams.switchBack' }]
        : []),
      { label: `$(arrow-down) Downgrade with ${origin.ref}'s Revisions`, command: 'alembic.teams.downgradeWithOrigin' },
    ];
  }

  private async showActions(given?: Project): Promise<void> {
    const project = await this.projectWithOrigin(given, 'Database Branch Actions');
    if (!project) return;
    const picked = await vscode.window.showQuickPick(this.actionItems(project), {
      title: describeOrigin(this.teams.originOf(project)!),
    });
    if (picked) await vscode.commands.executeCommand(picked.command, { ...picked.args, project });
  }

  private async projectWithOrigin(given: Project | undefined, title: string): Promise<Project | undefined> {
    if (given) return given;
    const projects = this.registry.getProjects().filter((p) => this.teams.originOf(p));
    if (!projects.length) {
      void vscode.window.showInformationMessage(
        "No project's database is at a revision of another branch: there is nothing to switch back to or downgrade.",
      );
      return undefined;
    }
    return pickProject(projects, title);
  }

  /** The origin git finds now (not a cached one: the database or the branches may have moved). */
  private async currentOrigin(project: Project): Promise<RevisionOrigin | undefined> {
    const unknown = this.database.stateOf(project)?.unknown ?? [];
    const origin = await originOfUnknownRevision(project, unknown, await this.teams.readerOf(project));
    if (!origin) {
      void vscode.window.showInformationMessage(
        unknown.length
          ? `The database is at ${unknown.map(shortId).join(', ')}, which no local branch or recent commit has.`
          : 'The database is at a revision of this checkout: there is nothing to switch back to or downgrade.',
      );
    }
    return origin;
  }

  async switchBack(given?: Project): Promise<void> {
    if (!requireTrust()) return;
    const project = await this.projectWithOrigin(given, 'Switch Back');
    const origin = project && (await this.currentOrigin(project));
    if (!project || !origin) return;
    if (!origin.isBranch) {
      void vscode.window.showInformationMessage(
        `${describeOrigin(origin)}; ${origin.ref} is no branch: downgrade with its revisions, or check out commit ${origin.commit.slice(0, 7)} yourself.`,
      );
      return;
    }
    const repo = (await this.teams.readerOf(project)).repo;
    const refusal = await switchRefusal(repo, origin.ref);
    if (refusal) {
      void vscode.window.showErrorMessage(`Cannot switch back to ${origin.ref}: ${refusal}.`);
      return;
    }
    const button = `Switch to ${origin.ref}`;
    const choice = await vscode.window.showWarningMessage(
      `Switch the work tree to branch ${origin.ref}?`,
      { modal: true, detail: `${describeOrigin(origin)}.\nThis runs \`git checkout ${origin.ref}\` in ${repo.root}.` },
      button,
    );
    if (choice !== button) return;
    await switchToBranch(repo, origin.ref);
    void vscode.window.showInformationMessage(`Switched to branch ${origin.ref}.`);
  }

  async downgradeWithOrigin(given?: Project): Promise<void> {
    if (!requireTrust()) return;
    const project = await this.projectWithOrigin(given, 'Downgrade with the Other Branch');
    const origin = project && (await this.currentOrigin(project));
    const state = project && this.database.stateOf(project);
    if (!project || !origin || !state) return;
    const plan = planForeignDowngrade(project, origin, state.rows);
    const status = this.database.get(project);
    const target = plan.target === 'base' ? 'base' : shortId(plan.target);
    const list = plan.reverted.map((r) => `• ${shortId(r.id)}  ${r.source.message}`);
    const choice = await vscode.window.showWarningMessage(
      `Downgrade ${status?.database ?? 'the database'} to ${target} with ${origin.ref}'s revisions?`,
      {
        modal: true,
        detail:
          `${describeOrigin(origin)}. This runs downgrade() of ${plan.reverted.length} revision(s) of ${origin.ref}, ` +
          `taken from git into a temporary folder (removed afterwards); what they created is dropped with its data:\n` +
          `${list.join('\n')}\n\nDatabase: ${status?.database ?? 'unknown'}`,
      },
      'Downgrade',
    );
    if (choice !== 'Downgrade') return;
    // Under Compose the temporary files go where the container sees them, or the action says why it cannot run.
    const mount = containerMount(this.registry.folderOf(project));
    if (typeof mount === 'string') {
      void vscode.window.showErrorMessage(mount);
      return;
    }
    const temporary = await prepareTemporaryConfig(project, (await this.teams.readerOf(project)).repo, plan.files, {
      container: mount.mapping,
    });
    const reverted = new Set(plan.reverted.map((r) => r.id));
    await runWithTemporaryConfig(
      this.context,
      project,
      temporary,
      { command: 'downgrade', revision: plan.target },
      {
        event: this.database.onDidChange,
        done: () => !this.database.stateOf(project)?.rows.some((id) => reverted.has(id)),
      },
    );
  }
}

function requireTrust(): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage('Alembic Lens runs git and Alembic only in a trusted workspace.');
  return false;
}
