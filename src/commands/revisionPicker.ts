// Quick picks over the revision graph: users choose revisions by message, id or state, never by typing ids.
import * as vscode from 'vscode';
import { type DatabaseState, newestFirst, type Project, type Revision, revisionState } from '../core';
import { shortId } from '../revisions/revisionsTree';

export interface RevisionPick extends vscode.QuickPickItem {
  revision: Revision | null;
}

export interface PickOptions {
  title: string;
  placeHolder?: string;
  /** Only these revisions are offered (all when omitted). */
  filter?: (rev: Revision) => boolean;
  /** Adds a "base" entry (before the first revision). */
  includeBase?: boolean;
  database?: DatabaseState;
}

/** Asks for one revision; resolves to undefined when cancelled, null for base. */
export async function pickRevision(project: Project, options: PickOptions): Promise<Revision | null | undefined> {
  const items: RevisionPick[] = [];
  for (const rev of newestFirst(project.graph)) {
    if (options.filter && !options.filter(rev)) continue;
    items.push(revisionPick(rev, options.database));
  }
  if (options.includeBase) {
    items.push({
      label: '$(debug-step-back) base',
      description: 'before the first revision: an empty schema',
      revision: null,
    });
  }
  if (!items.length) {
    void vscode.window.showInformationMessage(`${options.title}: no revision fits.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: options.title,
    placeHolder: options.placeHolder ?? 'Type a message, a revision id (or its first characters) or a branch label',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  return picked ? picked.revision : undefined;
}

function revisionPick(rev: Revision, database?: DatabaseState): RevisionPick {
  const states: string[] = [];
  if (rev.isHead) states.push('head');
  if (rev.isMergePoint) states.push('merge');
  if (database) states.push(revisionState(database, rev));
  const labels = [...rev.branchLabels].map((l) => `@${l}`);
  return {
    label: rev.source.message || shortId(rev.id),
    // The full id is in the description so that typing any prefix of it matches.
    description: [rev.id, ...states, ...labels].join('  '),
    detail: rev.source.createDate ? `created ${rev.source.createDate}` : undefined,
    revision: rev,
  };
}

/** Asks which project to act on when the workspace has several; the only one otherwise. */
export async function pickProject(projects: readonly Project[], title: string): Promise<Project | undefined> {
  if (projects.length <= 1) return projects[0];
  const picked = await vscode.window.showQuickPick(
    projects.map((project) => ({
      label: project.name,
      description: vscode.workspace.asRelativePath(project.config.configFile),
      project,
    })),
    { title, placeHolder: 'Which Alembic project?' },
  );
  return picked?.project;
}
