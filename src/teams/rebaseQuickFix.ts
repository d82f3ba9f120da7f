// The quick fixes on a merge-heads problem: rebase this branch's first new revision onto the base's head
// (src/core/teams/rebase.ts; the edit needs confirmation, so VS Code shows it as a diff first), and
// create a merge revision (mergeRevisionAction.ts: previewed as a diff, then confirmed).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Project } from '../core';
import type { BaseComparison } from '../core/teams/baseComparison';
import { rebaseEdits } from '../core/teams/rebase';
import { diagnosticCode } from '../lint/diagnostics';
import type { ProjectRegistry } from '../projects/projectRegistry';
import { Disposable } from '../util/disposable';
import type { MergeRevisionAction } from './mergeRevisionAction';
import type { TeamsService } from './teamsService';

export class RebaseQuickFix extends Disposable implements vscode.CodeActionProvider {
  constructor(
    private readonly registry: ProjectRegistry,
    private readonly teams: TeamsService,
    private readonly mergeRevision: MergeRevisionAction,
  ) {
    super();
    this.register(
      vscode.languages.registerCodeActionsProvider({ language: 'python', scheme: 'file' }, this, {
        providedCodeActionKinds: [vscode.CodeActionKind.QuickFix],
      }),
    );
  }

  provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const diagnostic = context.diagnostics.find(
      (d) => d.source === 'alembic-lens' && diagnosticCode(d) === 'merge-heads',
    );
    const file = path.resolve(document.uri.fsPath);
    const project = diagnostic && this.registry.projectOfFile(file);
    const comparison = project && this.teams.comparisonOf(project);
    if (!diagnostic || !project || !comparison) return [];
    const actions: vscode.CodeAction[] = [];
    const rebase = this.rebaseAction(document, diagnostic, project, comparison);
    if (rebase) actions.push(rebase);
    if (this.mergeRevision.offers(project)) {
      const merge = new vscode.CodeAction('Create a merge revision (alembic merge)', vscode.CodeActionKind.QuickFix);
      merge.command = {
        command: 'alembic.teams.createMergeRevision',
        title: 'Create a Merge Revision',
        arguments: [{ project }],
      };
      merge.diagnostics = [diagnostic];
      actions.push(merge);
    }
    return actions;
  }

  private rebaseAction(
    document: vscode.TextDocument,
    diagnostic: vscode.Diagnostic,
    project: Project,
    comparison: BaseComparison,
  ): vscode.CodeAction | undefined {
    if (!comparison.rebaseTarget) return undefined;
    const file = path.resolve(document.uri.fsPath);
    const line = diagnostic.range.start.line + 1;
    const source = [...project.graph.revisions.values()]
      .map((rev) => rev.source)
      .find((s) => s.path === file && s.downRevisionLine === line);
    const edits = source && rebaseEdits(document.getText(), source, comparison.rebaseTarget);
    if (!edits) return undefined;
    const title = `Rebase onto ${comparison.ref}'s head (${comparison.rebaseTarget})`;
    const edit = new vscode.WorkspaceEdit();
    for (const { line: at, text } of edits) {
      edit.replace(document.uri, document.lineAt(at - 1).range, text, { label: title, needsConfirmation: true });
    }
    const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
    action.edit = edit;
    action.diagnostics = [diagnostic];
    action.isPreferred = true;
    return action;
  }
}
