// The "Revisions" view: one root per project when there are several, its revisions newest first.
import * as path from 'path';
import * as vscode from 'vscode';
import { newestFirst, Project, Revision } from '../core';
import { ProjectRegistry } from '../projects/projectRegistry';
import { Disposable } from '../util/disposable';

export type RevisionsNode = { kind: 'project'; project: Project } | { kind: 'revision'; project: Project; revision: Revision };

export class RevisionsTreeProvider extends Disposable implements vscode.TreeDataProvider<RevisionsNode> {
  private readonly changeEmitter = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly ordered = new WeakMap<object, RevisionsNode[]>();

  constructor(private readonly registry: ProjectRegistry) {
    super();
    this.register(registry.onDidChange(() => this.changeEmitter.fire()));
  }

  getChildren(node?: RevisionsNode): RevisionsNode[] {
    const projects = this.registry.getProjects();
    if (!node) {
      if (projects.length === 1) return this.revisionNodes(projects[0]);
      return projects.map((project) => ({ kind: 'project', project }));
    }
    return node.kind === 'project' ? this.revisionNodes(node.project) : [];
  }

  getTreeItem(node: RevisionsNode): vscode.TreeItem {
    return node.kind === 'project' ? projectItem(node.project) : revisionItem(node.project, node.revision);
  }

  /** The same ordering is reused until the project's graph is rebuilt. */
  private revisionNodes(project: Project): RevisionsNode[] {
    let nodes = this.ordered.get(project.graph);
    if (!nodes) {
      nodes = newestFirst(project.graph).map((revision) => ({ kind: 'revision', project, revision }));
      this.ordered.set(project.graph, nodes);
    }
    return nodes;
  }
}

function projectItem(project: Project): vscode.TreeItem {
  const item = new vscode.TreeItem(project.name, vscode.TreeItemCollapsibleState.Expanded);
  const heads = project.graph.heads.length;
  item.description = `${project.graph.size} revisions${heads > 1 ? `, ${heads} heads` : ''}`;
  item.tooltip = project.config.configFile;
  item.iconPath = new vscode.ThemeIcon('database');
  item.contextValue = 'project';
  item.id = `project:${project.config.configFile}:${project.config.section}`;
  return item;
}

/** Short ids as Alembic users read them: the first 7 characters. */
export function shortId(id: string): string {
  return id.length > 7 ? id.slice(0, 7) : id;
}

function revisionStates(project: Project, rev: Revision): string[] {
  const states: string[] = [];
  if (rev.isHead) states.push('head');
  if (rev.isMergePoint) states.push('merge');
  if (rev.isBranchPoint) states.push('branchpoint');
  if (rev.isBase) states.push('base');
  if (project.graph.inCycle.has(rev.id)) states.push('cycle');
  return states;
}

function revisionItem(project: Project, rev: Revision): vscode.TreeItem {
  const item = new vscode.TreeItem(rev.source.message || shortId(rev.id), vscode.TreeItemCollapsibleState.None);
  const states = revisionStates(project, rev);
  const labels = [...rev.branchLabels].map((l) => `@${l}`);
  item.description = [shortId(rev.id), ...states, ...labels].join(' · ');
  item.id = `revision:${project.config.configFile}:${project.config.section}:${rev.id}`;
  item.contextValue = ['revision', ...states].join(':');
  item.iconPath = new vscode.ThemeIcon(
    states.includes('cycle') ? 'error' : rev.isMergePoint ? 'git-merge' : rev.isHead ? 'git-commit' : rev.isBranchPoint ? 'git-branch' : 'circle-outline',
  );
  const tooltip = new vscode.MarkdownString();
  tooltip.appendMarkdown(`**${escapeMarkdown(rev.source.message || rev.id)}**\n\n`);
  tooltip.appendMarkdown(`Revision \`${rev.id}\`${states.length ? ` (${states.join(', ')})` : ''}\n\n`);
  tooltip.appendMarkdown(`Revises: ${rev.down.length ? rev.down.map((d) => `\`${d}\``).join(', ') : '_base_'}\n\n`);
  if (rev.dependencies.length) tooltip.appendMarkdown(`Depends on: ${rev.dependencies.map((d) => `\`${d}\``).join(', ')}\n\n`);
  if (rev.branchLabels.size) tooltip.appendMarkdown(`Branch labels: ${[...rev.branchLabels].map((l) => `\`${l}\``).join(', ')}\n\n`);
  if (rev.source.createDate) tooltip.appendMarkdown(`Created: ${escapeMarkdown(rev.source.createDate)}\n\n`);
  tooltip.appendMarkdown(`File: ${escapeMarkdown(path.basename(rev.source.path))}`);
  item.tooltip = tooltip;
  item.resourceUri = vscode.Uri.file(rev.source.path);
  item.command = {
    command: 'alembic.revision.open',
    title: 'Open Revision File',
    arguments: [rev.source.path, rev.source.revisionLine],
  };
  return item;
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
