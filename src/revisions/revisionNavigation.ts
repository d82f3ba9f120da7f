// Hover, Go to Definition and Find All References on the revision ids a revision file names
// (`down_revision`, `depends_on`, `revision`, and the docstring's `Revises:` line). Everything comes
// from the in-memory graph; only Find All References reads the files it lists, to place each id exactly.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { type Project, type Revision, revisionState } from '../core';
import { shortDate } from '../core/createDate';
import { type IdReference, referenceAt, resolveRevision, revisionReferences } from '../core/revisionReferences';
import type { DatabaseStatusService } from '../database/databaseStatus';
import type { ProjectRegistry } from '../projects/projectRegistry';
import { Disposable } from '../util/disposable';

const SELECTOR: vscode.DocumentSelector = { language: 'python', scheme: 'file' };

export class RevisionNavigation
  extends Disposable
  implements vscode.HoverProvider, vscode.DefinitionProvider, vscode.ReferenceProvider
{
  constructor(
    private readonly registry: ProjectRegistry,
    private readonly database: DatabaseStatusService,
  ) {
    super();
    this.register(vscode.languages.registerHoverProvider(SELECTOR, this));
    this.register(vscode.languages.registerDefinitionProvider(SELECTOR, this));
    this.register(vscode.languages.registerReferenceProvider(SELECTOR, this));
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const found = this.at(document, position);
    if (!found) return undefined;
    const { project, ref } = found;
    const range = new vscode.Range(ref.line, ref.start, ref.line, ref.end);
    const { revision, error } = resolveRevision(project, ref.id);
    const md = new vscode.MarkdownString();
    if (!revision) {
      md.appendMarkdown(`$(warning) ${escapeMarkdown(`No revision '${ref.id}' in ${project.name}: ${error}`)}`);
      md.supportThemeIcons = true;
      return new vscode.Hover(md, range);
    }
    md.supportThemeIcons = true;
    md.appendMarkdown(`**${escapeMarkdown(revision.source.message || revision.id)}**\n\n`);
    const facts = [`\`${revision.id}\``];
    const state = this.database.stateOf(project);
    if (state) facts.push(revisionState(state, revision));
    if (revision.isHead) facts.push('head');
    if (revision.isMergePoint) facts.push('merge');
    md.appendMarkdown(`${facts.join(' · ')}\n\n`);
    if (revision.source.createDate)
      md.appendMarkdown(`Created ${escapeMarkdown(shortDate(revision.source.createDate))}\n\n`);
    md.appendMarkdown(escapeMarkdown(path.basename(revision.source.path)));
    // The command line resolves prefixes; the loader of revision files needs the exact id (or a branch label).
    const exact = project.graph.get(ref.id) || project.graph.labels.has(ref.id);
    if (!exact && (ref.kind === 'down_revision' || ref.kind === 'depends_on')) {
      md.appendMarkdown(
        `\n\n$(warning) ${escapeMarkdown(`'${ref.id}' is a prefix: Alembic needs the full id ${revision.id} in ${ref.kind}.`)}`,
      );
    }
    return new vscode.Hover(md, range);
  }

  provideDefinition(document: vscode.TextDocument, position: vscode.Position): vscode.Location | undefined {
    const found = this.at(document, position);
    const revision = found && resolveRevision(found.project, found.ref.id).revision;
    return revision ? revisionLocation(revision) : undefined;
  }

  provideReferences(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.ReferenceContext,
  ): vscode.Location[] | undefined {
    const found = this.at(document, position);
    const target = found && resolveRevision(found.project, found.ref.id).revision;
    if (!found || !target) return undefined;
    const locations: vscode.Location[] = [];
    if (context.includeDeclaration) locations.push(revisionLocation(target));
    for (const rev of found.project.graph.revisions.values()) {
      const names = [...rev.down, ...rev.dependencies].filter(
        (id) => resolveRevision(found.project, id).revision === target,
      );
      if (names.length) locations.push(...this.placesIn(found.project, rev, new Set(names)));
    }
    return locations;
  }

  /** The revision id under the cursor in a revision file of a project. */
  private at(
    document: vscode.TextDocument,
    position: vscode.Position,
  ): { project: Project; ref: IdReference } | undefined {
    const project = this.registry.projectOfFile(document.uri.fsPath);
    if (!project) return undefined;
    const ref = referenceAt(document.getText(), position.line, position.character);
    return ref ? { project, ref } : undefined;
  }

  /** Where `rev`'s file names one of `ids` in down_revision / depends_on (the assignment line when unreadable). */
  private placesIn(project: Project, rev: Revision, ids: Set<string>): vscode.Location[] {
    const uri = vscode.Uri.file(rev.source.path);
    const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === uri.fsPath);
    // An open editor's text as typed; else the places the project's record of the file keeps.
    const refs = (
      open ? revisionReferences(open.getText()) : (project.revisionRecord(rev.source)?.parentRefs ?? [])
    ).filter((r) => (r.kind === 'down_revision' || r.kind === 'depends_on') && ids.has(r.id));
    if (refs.length) return refs.map((r) => new vscode.Location(uri, new vscode.Range(r.line, r.start, r.line, r.end)));
    return [new vscode.Location(uri, new vscode.Position(Math.max(0, rev.source.downRevisionLine - 1), 0))];
  }
}

function revisionLocation(revision: Revision): vscode.Location {
  return new vscode.Location(
    vscode.Uri.file(revision.source.path),
    new vscode.Position(Math.max(0, revision.source.revisionLine - 1), 0),
  );
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>|]/g, '\\$&');
}
