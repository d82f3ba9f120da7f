// The "Revisions" view: per project (one root each when there are several), a database status line, an
// error when Alembic cannot load the history (else a warning when it has several heads), then every
// revision newest first with its state.

import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  type DatabaseState,
  historyBreakers,
  newestFirst,
  type Problem,
  type Project,
  type Revision,
  revisionState,
} from '../core';
import { shortDate } from '../core/createDate';
import { accidentalForkHeads, failingUpgrade } from '../core/teams/forkHeads';
import type { DatabaseStatusService, ProjectDatabaseStatus } from '../database/databaseStatus';
import { type ProjectRegistry, projectKey } from '../projects/projectRegistry';
import { Disposable } from '../util/disposable';

export type RevisionsNode =
  | { kind: 'project'; project: Project }
  | { kind: 'database'; project: Project }
  | { kind: 'heads'; project: Project }
  | { kind: 'broken'; project: Project; problems: Problem[] }
  | { kind: 'revision'; project: Project; revision: Revision }
  | { kind: 'extra'; project: Project; item: vscode.TreeItem };

/** Items another feature adds under a project's database line (e.g. "Models changed since the last revision"). */
export interface RevisionsExtraItems {
  extraItems(project: Project): vscode.TreeItem[];
  readonly onDidChange: vscode.Event<void>;
}

/** A line another feature adds to each revision's tooltip (e.g. the commit that added its file). */
export interface RevisionTooltipLines {
  tooltipLine(project: Project, revision: Revision): string | undefined;
  readonly onDidChange: vscode.Event<void>;
}

export class RevisionsTreeProvider extends Disposable implements vscode.TreeDataProvider<RevisionsNode> {
  private readonly changeEmitter = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly ordered = new WeakMap<object, Revision[]>();
  private readonly extras: RevisionsExtraItems[] = [];
  private tooltipLines?: RevisionTooltipLines;

  constructor(
    private readonly registry: ProjectRegistry,
    private readonly database: DatabaseStatusService,
  ) {
    super();
    this.register(registry.onDidChange(() => this.changeEmitter.fire()));
    this.register(database.onDidChange(() => this.changeEmitter.fire()));
  }

  /** Adds items below each project's database line; they update when `source` fires. */
  addExtraItems(source: RevisionsExtraItems): vscode.Disposable {
    this.extras.push(source);
    const subscription = source.onDidChange(() => this.changeEmitter.fire());
    this.changeEmitter.fire();
    return new vscode.Disposable(() => {
      subscription.dispose();
      const index = this.extras.indexOf(source);
      if (index >= 0) this.extras.splice(index, 1);
    });
  }

  /** Adds a line to each revision's tooltip; the tree redraws when `source` fires. */
  setTooltipLines(source: RevisionTooltipLines): vscode.Disposable {
    this.tooltipLines = source;
    const subscription = source.onDidChange(() => this.changeEmitter.fire());
    return new vscode.Disposable(() => {
      subscription.dispose();
      this.tooltipLines = undefined;
    });
  }

  getChildren(node?: RevisionsNode): RevisionsNode[] {
    const projects = this.registry.getProjects();
    if (!node)
      return projects.length === 1
        ? this.projectChildren(projects[0])
        : projects.map((project) => ({ kind: 'project', project }));
    return node.kind === 'project' ? this.projectChildren(node.project) : [];
  }

  getTreeItem(node: RevisionsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'project':
        return projectItem(node.project);
      case 'database':
        return databaseItem(node.project, this.database.get(node.project), this.database.stateOf(node.project));
      case 'heads':
        return headsWarningItem(node.project);
      case 'broken':
        return brokenHistoryItem(node.project, node.problems);
      case 'revision':
        return revisionItem(
          node.project,
          node.revision,
          this.database.stateOf(node.project),
          this.tooltipLines?.tooltipLine(node.project, node.revision),
        );
      case 'extra':
        return node.item;
    }
  }

  private projectChildren(project: Project): RevisionsNode[] {
    const top: RevisionsNode[] = [{ kind: 'database', project }];
    // A merge cannot mend a history Alembic fails to load: the heads it shows then are a knock-on.
    const broken = historyBreakers(project.problems);
    if (broken.length) top.push({ kind: 'broken', project, problems: broken });
    // Heads on their own labelled branches (expand/contract) are by design: only an accidental fork needs a merge.
    else if (accidentalForkHeads(project.graph).length) top.push({ kind: 'heads', project });
    for (const source of this.extras)
      for (const item of source.extraItems(project)) top.push({ kind: 'extra', project, item });
    return [
      ...top,
      ...this.orderedRevisions(project).map((revision): RevisionsNode => ({ kind: 'revision', project, revision })),
    ];
  }

  /** The display order is computed once per graph (a rebuilt graph is a new object). */
  private orderedRevisions(project: Project): Revision[] {
    let revisions = this.ordered.get(project.graph);
    if (!revisions) this.ordered.set(project.graph, (revisions = newestFirst(project.graph)));
    return revisions;
  }
}

function projectItem(project: Project): vscode.TreeItem {
  const item = new vscode.TreeItem(project.name, vscode.TreeItemCollapsibleState.Expanded);
  const heads = project.graph.heads.length;
  item.description = `${project.graph.size} revisions${heads > 1 ? `, ${heads} heads` : ''}`;
  item.tooltip = project.config.configFile;
  item.iconPath = new vscode.ThemeIcon('database');
  item.contextValue = 'project';
  item.id = `project:${projectKey(project)}`;
  return item;
}

/** Short ids as Alembic users read them: the first 7 characters. */
export function shortId(id: string): string {
  return id.length > 7 ? id.slice(0, 7) : id;
}

/** One line on where the database stands; the same words as the status bar. */
export function describeDatabaseStatus(
  status: ProjectDatabaseStatus | undefined,
  state: DatabaseState | undefined,
): { text: string; icon: string; color?: string } {
  switch (status?.kind) {
    case undefined:
    case 'checking':
      return { text: 'checking the database…', icon: 'loading~spin' };
    case 'untrusted':
      return { text: 'not read (untrusted workspace)', icon: 'shield' };
    case 'no-database':
      // A SQLite file whose folder is missing cannot be created by the first upgrade either.
      return status.reason
        ? { text: `no database yet (${status.reason})`, icon: 'warning', color: 'charts.orange' }
        : { text: 'no database yet', icon: 'database', color: 'charts.yellow' };
    case 'no-version-table':
      return { text: 'not migrated yet', icon: 'database', color: 'charts.yellow' };
    case 'unreachable':
      return { text: 'DB unreachable', icon: 'debug-disconnect', color: 'errorForeground' };
    case 'refused':
      return { text: 'DB refused the login', icon: 'lock', color: 'errorForeground' };
    case 'unreadable':
      return {
        text: `can't read the status${status.reason ? `: ${status.reason}` : ''}`,
        icon: 'warning',
        color: 'charts.orange',
      };
    case 'unknown':
      return { text: 'database state unknown', icon: 'question' };
    case 'ok': {
      if (!state) return { text: 'database read', icon: 'database' };
      const at = state.current.length ? state.current.map((r) => shortId(r.id)).join(', ') : 'base';
      // The rows this history lacks are where the database stands too: never "at base" beside them.
      if (state.unknown.length) {
        const rows = [...state.current.map((r) => shortId(r.id)), ...state.unknown.map(shortId)];
        const which =
          state.unknown.length === 1 ? `${shortId(state.unknown[0])} is` : `${state.unknown.length} of them are`;
        return {
          text: `at ${rows.join(', ')} (${which} not in this history)`,
          icon: 'warning',
          color: 'charts.orange',
        };
      }
      return state.pending.length
        ? { text: `at ${at} (${state.pending.length} pending)`, icon: 'arrow-circle-up', color: 'charts.yellow' }
        : { text: `at ${at}, up to date`, icon: 'check', color: 'charts.green' };
    }
  }
}

function databaseItem(
  project: Project,
  status: ProjectDatabaseStatus | undefined,
  state: DatabaseState | undefined,
): vscode.TreeItem {
  const described = describeDatabaseStatus(status, state);
  const item = new vscode.TreeItem(`Database: ${described.text}`, vscode.TreeItemCollapsibleState.None);
  item.description = status?.database;
  item.iconPath = new vscode.ThemeIcon(
    described.icon,
    described.color ? new vscode.ThemeColor(described.color) : undefined,
  );
  const tooltip = new vscode.MarkdownString();
  tooltip.appendText(`${status?.database ?? 'Database'}: ${described.text}\n\n`);
  if (status?.source) tooltip.appendText(`Read via: ${status.source}\n\n`);
  if (status?.message) tooltip.appendText(status.message);
  item.tooltip = tooltip;
  item.contextValue = `database:${status?.kind ?? 'checking'}${state?.pending.length ? ':pending' : ''}`;
  item.id = `database:${projectKey(project)}`;
  item.command = { command: 'alembic.status.actions', title: 'Database Actions', arguments: [{ project }] };
  return item;
}

function headsWarningItem(project: Project): vscode.TreeItem {
  const fork = accidentalForkHeads(project.graph);
  const heads = fork.map((head) => head.id);
  const item = new vscode.TreeItem(`${heads.length} heads: merge needed`, vscode.TreeItemCollapsibleState.None);
  item.description = heads.map(shortId).join(', ');
  item.tooltip = `The history has ${heads.length} heads (${heads.join(', ')}) on no labelled branch of their own: \`${failingUpgrade(project.graph, fork)}\` fails until they are merged. Click to merge them.`;
  item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
  item.contextValue = 'warning:heads';
  item.id = `heads:${projectKey(project)}`;
  item.command = { command: 'alembic.merge.heads', title: 'Merge Heads', arguments: [{ project }] };
  return item;
}

function brokenHistoryItem(project: Project, problems: readonly Problem[]): vscode.TreeItem {
  const first = problems[0];
  const item = new vscode.TreeItem('History broken: every Alembic command fails', vscode.TreeItemCollapsibleState.None);
  item.description = `${path.basename(first.path)}:${first.line}${problems.length > 1 ? ` and ${problems.length - 1} more` : ''}`;
  const tooltip = new vscode.MarkdownString();
  tooltip.appendText('Alembic loads every revision file before any command, and stops on:\n\n');
  for (const p of problems.slice(0, 5)) tooltip.appendText(`• ${path.basename(p.path)}:${p.line}: ${p.message}\n`);
  if (problems.length > 5) tooltip.appendText(`• and ${problems.length - 5} more (Problems panel)\n`);
  tooltip.appendText('\nClick to open the first one.');
  item.tooltip = tooltip;
  item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
  item.contextValue = 'error:history';
  item.id = `broken:${projectKey(project)}`;
  item.command = { command: 'alembic.revision.open', title: 'Open', arguments: [first.path, first.line] };
  return item;
}

/** Structural states, then the database state; this order is what `viewItem` regexes rely on. */
function revisionStates(project: Project, rev: Revision, state: DatabaseState | undefined): string[] {
  const states: string[] = [];
  if (rev.isHead) states.push('head');
  if (rev.isMergePoint) states.push('merge');
  if (rev.isBranchPoint) states.push('branchpoint');
  if (project.graph.inCycle.has(rev.id)) states.push('cycle');
  if (state) states.push(revisionState(state, rev));
  return states;
}

const STATE_ICONS: Record<string, [string, string?]> = {
  current: ['target', 'charts.blue'],
  pending: ['circle-large-outline', 'charts.yellow'],
  applied: ['pass-filled', 'charts.green'],
  // The database is at a revision this history lacks: applied or not cannot be told.
  undetermined: ['question'],
};

function revisionItem(
  project: Project,
  rev: Revision,
  state: DatabaseState | undefined,
  extraLine?: string,
): vscode.TreeItem {
  const item = new vscode.TreeItem(rev.source.message || shortId(rev.id), vscode.TreeItemCollapsibleState.None);
  const states = revisionStates(project, rev, state);
  const labels = [...rev.branchLabels].map((l) => `@${l}`);
  const dbState = state ? revisionState(state, rev) : undefined;
  // The database state first: the message takes most of a default-width side bar, and the description
  // is cut from its end.
  const structural = states.filter((s) => s !== dbState);
  item.description = [dbState, ...structural, shortId(rev.id), ...labels].filter(Boolean).join(' · ');
  item.id = `revision:${projectKey(project)}:${rev.id}`;
  item.contextValue = ['revision', ...states].join(':');
  const [icon, color] = states.includes('cycle')
    ? ['error', 'errorForeground']
    : dbState
      ? STATE_ICONS[dbState]
      : [
          rev.isMergePoint
            ? 'git-merge'
            : rev.isBranchPoint
              ? 'git-branch'
              : rev.isHead
                ? 'git-commit'
                : 'circle-outline',
        ];
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  item.tooltip = revisionTooltip(rev, states, extraLine);
  item.resourceUri = vscode.Uri.file(rev.source.path);
  item.command = {
    command: 'alembic.revision.open',
    title: 'Open Revision File',
    arguments: [rev.source.path, rev.source.revisionLine],
  };
  return item;
}

function revisionTooltip(rev: Revision, states: string[], extraLine?: string): vscode.MarkdownString {
  const code = (ids: Iterable<string>) => [...ids].map((id) => `\`${id}\``).join(', ');
  const tooltip = new vscode.MarkdownString();
  tooltip.appendMarkdown(`**${escapeMarkdown(rev.source.message || rev.id)}**\n\n`);
  tooltip.appendMarkdown(`Revision \`${rev.id}\`${states.length ? ` · ${states.join(', ')}` : ''}\n\n`);
  tooltip.appendMarkdown(`Revises: ${rev.down.length ? code(rev.down) : '_base_'}\n\n`);
  if (rev.dependencies.length) tooltip.appendMarkdown(`Depends on: ${code(rev.dependencies)}\n\n`);
  if (rev.branchLabels.size) tooltip.appendMarkdown(`Branch labels: ${code(rev.branchLabels)}\n\n`);
  if (rev.source.createDate) tooltip.appendMarkdown(`Created: ${escapeMarkdown(shortDate(rev.source.createDate))}\n\n`);
  tooltip.appendMarkdown(`File: ${escapeMarkdown(path.basename(rev.source.path))}`);
  if (extraLine) tooltip.appendMarkdown(`\n\n${escapeMarkdown(extraLine)}`);
  return tooltip;
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
