// The status bar item: where the database of the active project stands, one click from the actions.
import * as vscode from 'vscode';
import { pickProject } from '../commands/revisionPicker';
import type { Project } from '../core';
import { accidentalForkHeads } from '../core/teams/forkHeads';
import type { DatabaseStatusService } from '../database/databaseStatus';
import type { ProjectRegistry } from '../projects/projectRegistry';
import { Disposable } from '../util/disposable';
import { describeDatabaseStatus } from './revisionsTree';

/** A quick pick item that runs `command` with the project and, when given, `args` besides. */
export type ActionItem = vscode.QuickPickItem & { command: string; args?: Record<string, unknown> };

/** Where the database's revision comes from when this checkout lacks it (the teams feature), and what to do. */
export interface DatabaseOrigins {
  describe(project: Project): string | undefined;
  actionItems(project: Project): ActionItem[];
  readonly onDidChange: vscode.Event<void>;
}

export class DatabaseStatusBar extends Disposable {
  private readonly item = this.register(
    vscode.window.createStatusBarItem('alembic.status', vscode.StatusBarAlignment.Left, 50),
  );

  constructor(
    private readonly registry: ProjectRegistry,
    private readonly database: DatabaseStatusService,
    private readonly origins?: DatabaseOrigins,
  ) {
    super();
    if (origins) this.register(origins.onDidChange(() => this.update()));
    this.item.name = 'Alembic Database';
    this.item.command = 'alembic.status.actions';
    this.register(registry.onDidChange(() => this.update()));
    this.register(database.onDidChange(() => this.update()));
    this.register(vscode.window.onDidChangeActiveTextEditor(() => this.update()));
    this.update();
  }

  private update(): void {
    const project = this.registry.activeProject();
    if (!project) {
      this.item.hide();
      return;
    }
    const status = this.database.get(project);
    const described = describeDatabaseStatus(status, this.database.stateOf(project));
    const prefix = this.registry.getProjects().length > 1 ? `Alembic (${project.name})` : 'Alembic';
    this.item.text = `$(${described.icon}) ${prefix}: ${this.origins?.describe(project) ?? described.text}`;
    this.item.tooltip = [
      status?.database,
      status?.source && `read via ${status.source}`,
      status?.message,
      'Click for Alembic actions',
    ]
      .filter(Boolean)
      .join('\n');
    const failed = status?.kind === 'unreachable' || status?.kind === 'refused' || status?.kind === 'unreadable';
    this.item.backgroundColor = failed ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }

  /** `alembic.status.actions`: the actions that apply to the project's database now. */
  async showActions(given?: Project): Promise<void> {
    const project = given ?? (await pickProject(this.registry.getProjects(), 'Alembic'));
    if (!project) return;
    const state = this.database.stateOf(project);
    const downgradeOne = { label: '$(arrow-down) Downgrade One Revision', command: 'alembic.downgrade.one' };
    const actions: ActionItem[] = [
      {
        label: '$(arrow-up) Upgrade to Head',
        description: state?.pending.length ? `${state.pending.length} pending` : undefined,
        command: 'alembic.upgrade.head',
      },
      // Only when the database stands on a revision (as the menus: alembic.canDowngrade).
      ...(state?.current.length ? [downgradeOne] : []),
      { label: '$(sparkle) Generate Revision (autogenerate)', command: 'alembic.revision.autogenerate' },
      { label: '$(new-file) New Empty Revision', command: 'alembic.revision.new' },
      { label: '$(file-code) Show SQL for Upgrade...', command: 'alembic.sql.upgrade' },
      { label: '$(info) Show Current', command: 'alembic.current.show' },
      { label: '$(bookmark) Stamp Revision...', command: 'alembic.stamp' },
      { label: '$(refresh) Refresh', command: 'alembic.refresh' },
    ];
    actions.unshift(...(this.origins?.actionItems(project) ?? []));
    const fork = accidentalForkHeads(project.graph);
    if (fork.length)
      actions.unshift({
        label: '$(git-merge) Merge Heads',
        description: `${fork.length} heads`,
        command: 'alembic.merge.heads',
      });
    const picked = await vscode.window.showQuickPick(actions, {
      title: `Alembic: ${project.name}`,
      placeHolder: this.item.text.replace(/^\$\([^)]+\)\s*/, ''),
    });
    if (picked) await vscode.commands.executeCommand(picked.command, { ...picked.args, project });
  }
}
