// Says "models changed since the last revision" where users look: a status bar item and a line in the
// Revisions view, each one click from `alembic.revision.autogenerate`.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Project } from '../core';
import type { ProjectRegistry } from '../projects/projectRegistry';
import type { RevisionsExtraItems } from '../revisions/revisionsTree';
import { Disposable } from '../util/disposable';
import type { ModelWatcher } from './modelWatcher';

export const MODELS_CHANGED_LABEL = 'Models changed since the last revision';

export class ModelsChangedIndicator extends Disposable implements RevisionsExtraItems {
  private readonly item = this.register(
    vscode.window.createStatusBarItem('alembic.modelsChanged', vscode.StatusBarAlignment.Left, 49),
  );
  readonly onDidChange: vscode.Event<void>;

  constructor(
    private readonly registry: ProjectRegistry,
    private readonly models: ModelWatcher,
  ) {
    super();
    this.onDidChange = models.onDidChange;
    this.item.name = 'Alembic Models Changed';
    this.register(models.onDidChange(() => this.update()));
    this.register(registry.onDidChange(() => this.update()));
    this.register(vscode.window.onDidChangeActiveTextEditor(() => this.update()));
    this.update();
  }

  /** The Revisions view's line for a project whose models changed. */
  extraItems(project: Project): vscode.TreeItem[] {
    const models = this.models.get(project);
    if (!models?.changed) return [];
    const item = new vscode.TreeItem(MODELS_CHANGED_LABEL, vscode.TreeItemCollapsibleState.None);
    item.description = vscode.workspace.isTrusted ? 'Generate Revision' : undefined;
    item.tooltip =
      `${models.changedReason ?? ''}\n\nModel files: ${models.files.map((f) => path.basename(f.path)).join(', ')}\n\nClick to generate a revision (alembic revision --autogenerate).`.trim();
    item.iconPath = new vscode.ThemeIcon('sparkle', new vscode.ThemeColor('charts.yellow'));
    item.contextValue = 'models:changed';
    item.id = `models-changed:${this.registry.keyOf(project)}`;
    item.command = { command: 'alembic.revision.autogenerate', title: 'Generate Revision', arguments: [{ project }] };
    return [item];
  }

  private update(): void {
    const projects = this.registry.getProjects().filter((p) => this.models.get(p)?.changed);
    if (!projects.length) {
      this.item.hide();
      return;
    }
    const project = this.registry.activeProject(projects) ?? projects[0];
    const several = this.registry.getProjects().length > 1;
    this.item.text = `$(sparkle) Models changed${several ? ` (${project.name})` : ''}`;
    const reason = this.models.get(project)?.changedReason;
    const title = `${MODELS_CHANGED_LABEL}${several ? ` in ${project.name}` : ''}.`;
    this.item.tooltip = [title, reason, 'Click to generate a revision (autogenerate).'].filter(Boolean).join('\n\n');
    this.item.command = {
      command: 'alembic.revision.autogenerate',
      title: 'Generate Revision',
      arguments: [{ project }],
    };
    this.item.show();
  }
}
