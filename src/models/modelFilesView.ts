// The "Model Files" view: per project, the modules that define the models autogenerate compares, why
// each one counts (the import from env.py, a glob, ...), the mapped classes in each (click: the class
// line), and the result of the last drift check.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Problem, Project } from '../core';
import { type DriftDiff, describeDiff } from '../core/drift';
import type { ModelClass } from '../core/models/modelClasses';
import type { ModelFile } from '../core/models/modelFiles';
import { type ProjectRegistry, projectKey } from '../projects/projectRegistry';
import { Disposable } from '../util/disposable';
import type { DriftResult, DriftService, SettledDrift } from './driftCheck';
import { MODELS_CHANGED_LABEL } from './modelStatus';
import type { ModelWatcher } from './modelWatcher';

export type ModelNode =
  | { kind: 'project'; project: Project }
  | { kind: 'changed'; project: Project }
  | { kind: 'drift'; project: Project }
  | { kind: 'diff'; project: Project; diff: DriftDiff; index: number }
  | { kind: 'problem'; project: Project; problem: Problem }
  | { kind: 'noFiles'; project: Project }
  | { kind: 'file'; project: Project; file: ModelFile }
  | { kind: 'class'; project: Project; file: ModelFile; cls: ModelClass };

export class ModelFilesTreeProvider extends Disposable implements vscode.TreeDataProvider<ModelNode> {
  private readonly changeEmitter = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeTreeData = this.changeEmitter.event;

  constructor(
    private readonly registry: ProjectRegistry,
    private readonly models: ModelWatcher,
    private readonly drift: DriftService,
  ) {
    super();
    this.register(registry.onDidChange(() => this.changeEmitter.fire()));
    this.register(models.onDidChange(() => this.changeEmitter.fire()));
    this.register(drift.onDidChange(() => this.changeEmitter.fire()));
  }

  getChildren(node?: ModelNode): ModelNode[] {
    const projects = this.registry.getProjects();
    if (!node)
      return projects.length === 1
        ? this.projectChildren(projects[0])
        : projects.map((project) => ({ kind: 'project', project }));
    switch (node.kind) {
      case 'project':
        return this.projectChildren(node.project);
      case 'drift': {
        const result = settled(this.drift.get(node.project));
        return result?.kind === 'ok'
          ? result.diffs.map((diff, index) => ({ kind: 'diff', project: node.project, diff, index }))
          : [];
      }
      case 'file':
        return node.file.classes.map((cls) => ({ kind: 'class', project: node.project, file: node.file, cls }));
      default:
        return [];
    }
  }

  getTreeItem(node: ModelNode): vscode.TreeItem {
    switch (node.kind) {
      case 'project': {
        const item = new vscode.TreeItem(node.project.name, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon('database');
        item.id = `models:${projectKey(node.project)}`;
        return item;
      }
      case 'changed':
        return projectActionRow(node.project, {
          label: MODELS_CHANGED_LABEL,
          tooltip: this.models.get(node.project)?.changedReason,
          icon: new vscode.ThemeIcon('sparkle', new vscode.ThemeColor('charts.yellow')),
          contextValue: 'models:changed',
          id: 'models-changed',
          command: 'alembic.revision.autogenerate',
          title: 'Generate Revision',
        });
      case 'drift':
        return driftItem(node.project, this.drift.get(node.project), this.drift.isStale(node.project));
      case 'diff': {
        const item = new vscode.TreeItem(describeDiff(node.diff), vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(
          node.diff.kind.startsWith('add')
            ? 'diff-added'
            : node.diff.kind.startsWith('remove')
              ? 'diff-removed'
              : 'diff-modified',
        );
        item.tooltip = node.diff.detail || describeDiff(node.diff);
        item.id = `drift:${projectKey(node.project)}:${node.index}`;
        item.contextValue = 'drift:diff';
        return item;
      }
      case 'problem': {
        const item = new vscode.TreeItem(node.problem.message, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(
          node.problem.severity === 'error' ? 'error' : node.problem.severity === 'warning' ? 'warning' : 'info',
        );
        item.tooltip = `${node.problem.message}\n\n${node.problem.path}:${node.problem.line}`;
        item.command = {
          command: 'alembic.revision.open',
          title: 'Open',
          arguments: [node.problem.path, node.problem.line],
        };
        item.contextValue = 'models:problem';
        return item;
      }
      case 'noFiles': {
        const globs = this.registry.settingsOf(node.project).get<string[]>('modelGlobs', []);
        const searched = globs.length ? `alembic.modelGlobs (${globs.join(', ')}) matches` : "env.py's imports lead to";
        return projectActionRow(node.project, {
          label: 'No model files found',
          tooltip: `${searched} no file with mapped classes. Click to choose the folders that define the models.`,
          icon: new vscode.ThemeIcon('search'),
          contextValue: 'models:none',
          id: 'models-none',
          command: 'alembic.models.chooseGlobs',
          title: 'Choose Model Files...',
        });
      }
      case 'file': {
        const folder = this.registry.folderOf(node.project);
        const relative = path.relative(folder, node.file.path);
        const item = new vscode.TreeItem(
          relative.startsWith('..') ? node.file.path : relative,
          node.file.classes.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
        );
        item.description = node.file.reason;
        item.tooltip = `${node.file.path}\n\nA model file because: ${node.file.reason}\n${node.file.classes.length} mapped class${node.file.classes.length === 1 ? '' : 'es'}`;
        item.resourceUri = vscode.Uri.file(node.file.path);
        item.iconPath = vscode.ThemeIcon.File;
        item.id = `model-file:${projectKey(node.project)}:${node.file.path}`;
        item.contextValue = 'models:file';
        item.command = { command: 'alembic.revision.open', title: 'Open Model File', arguments: [node.file.path, 1] };
        return item;
      }
      case 'class': {
        const item = new vscode.TreeItem(node.cls.name, vscode.TreeItemCollapsibleState.None);
        item.description = node.cls.tableName ? `table ${node.cls.tableName}` : node.cls.kind;
        item.tooltip = `${node.cls.name}${node.cls.tableName ? ` → table ${node.cls.tableName}` : ''}\n${node.cls.columns.length} column${node.cls.columns.length === 1 ? '' : 's'}: ${node.cls.columns.map((c) => c.name).join(', ')}`;
        item.iconPath = new vscode.ThemeIcon(node.cls.tableName ? 'symbol-class' : 'symbol-interface');
        item.id = `model-class:${projectKey(node.project)}:${node.file.path}:${node.cls.name}:${node.cls.line}`;
        item.contextValue = 'models:class';
        item.command = {
          command: 'alembic.revision.open',
          title: 'Go to Class',
          arguments: [node.file.path, node.cls.line],
        };
        return item;
      }
    }
  }

  private projectChildren(project: Project): ModelNode[] {
    const models = this.models.get(project);
    const nodes: ModelNode[] = [];
    if (models?.changed) nodes.push({ kind: 'changed', project });
    nodes.push({ kind: 'drift', project });
    for (const problem of models?.problems ?? []) nodes.push({ kind: 'problem', project, problem });
    for (const file of models?.files ?? []) nodes.push({ kind: 'file', project, file });
    if (models && !models.files.length) nodes.push({ kind: 'noFiles', project });
    return nodes;
  }
}

interface ProjectActionRow {
  label: string;
  tooltip?: string;
  icon: vscode.ThemeIcon;
  contextValue: string;
  id: string;
  command: string;
  title: string;
}

/** A row that runs a command on its project; the command's title is the row's description. */
function projectActionRow(project: Project, row: ProjectActionRow): vscode.TreeItem {
  const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
  item.description = row.title;
  item.tooltip = row.tooltip;
  item.iconPath = row.icon;
  item.contextValue = row.contextValue;
  item.id = `${row.id}:${projectKey(project)}`;
  item.command = { command: row.command, title: row.title, arguments: [{ project }] };
  return item;
}

function settled(result: DriftResult | undefined): SettledDrift | undefined {
  return result?.kind === 'running' ? result.previous : result;
}

function driftItem(project: Project, result: DriftResult | undefined, stale: boolean): vscode.TreeItem {
  const done = settled(result);
  let label: string;
  let icon: vscode.ThemeIcon;
  let collapsible = vscode.TreeItemCollapsibleState.None;
  let tooltip: string;
  if (result?.kind === 'running') {
    label = 'Drift: comparing the models with the database…';
    icon = new vscode.ThemeIcon('loading~spin');
    tooltip = "alembic_lens_drift.py is running (Alembic's compare_metadata, read-only).";
  } else if (!done) {
    label = 'Drift: not checked';
    icon = new vscode.ThemeIcon('circle-large-outline');
    tooltip = vscode.workspace.isTrusted
      ? "Click to compare the models with the database (runs your project's Python, reads the schema only)."
      : 'Trust the workspace to compare the models with the database.';
  } else if (done.kind === 'error' && done.code === 'not-up-to-date') {
    label = 'Drift: the database is not at the head revision';
    icon = new vscode.ThemeIcon('arrow-circle-up', new vscode.ThemeColor('charts.yellow'));
    tooltip = `${done.message}\n\nThe models can only be compared with a database at the head: upgrade it, then check again.`;
  } else if (done.kind === 'error') {
    label =
      done.code === 'no-target-metadata' ? 'Drift: env.py has no target_metadata to compare' : 'Drift: check failed';
    icon = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
    tooltip = done.message;
  } else if (done.kind === 'ok' && !done.diffs.length) {
    label = 'Drift: models match the database';
    icon = new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('charts.green'));
    tooltip = `Checked at ${done.at.toLocaleTimeString()}.`;
  } else {
    const n = done.kind === 'ok' ? done.diffs.length : 0;
    label = `Drift: ${n} difference${n === 1 ? '' : 's'} from the database`;
    icon = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    collapsible = vscode.TreeItemCollapsibleState.Expanded;
    tooltip = `Checked at ${done.at.toLocaleTimeString()}. Generate a revision to bring the database in line, or change the models.`;
  }
  // A result read from models edited since: said, not shown as today's truth.
  if (stale && done) {
    label += ' (before the last model change)';
    icon = new vscode.ThemeIcon('history');
    tooltip += '\n\nThe model files changed since this check: run it again to compare them as they are now.';
  }
  const item = new vscode.TreeItem(label, collapsible);
  item.iconPath = icon;
  item.tooltip = tooltip;
  if (done?.kind === 'error') item.description = done.message;
  item.id = `drift:${projectKey(project)}:${collapsible}`;
  item.contextValue = `drift:${done?.kind ?? 'none'}`;
  // The list of differences expands on click; the inline button runs the check again.
  if (result?.kind !== 'running' && collapsible === vscode.TreeItemCollapsibleState.None)
    item.command = {
      command: 'alembic.models.checkDrift',
      title: 'Check Models Against Database',
      arguments: [{ project }],
    };
  return item;
}
