// The quick fix on a merge-heads problem: rebase this branch's first new revision onto the base's head
// (src/core/teams/rebase.ts). The edit needs confirmation, so VS Code shows it as a diff first.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { rebaseEdits } from '../core/teams/rebase';
import type { ProjectRegistry } from '../projects/projectRegistry';
import { Disposable } from '../util/disposable';
import type { TeamsService } from './teamsService';

export class RebaseQuickFix extends Disposable implements vscode.CodeActionProvider {
  constructor(
    private readonly registry: ProjectRegistry,
    private readonly teams: TeamsService,
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
    const diagnostic = context.diagnostics.find((d) => d.source === 'alembic-lens' && d.code === 'merge-heads');
    const file = path.resolve(document.uri.fsPath);
    const project = diagnostic && this.registry.projectOfFile(file);
    const comparison = project && this.teams.comparisonOf(project);
    if (!diagnostic || !project || !comparison?.rebaseTarget) return [];
    const line = diagnostic.range.start.line + 1;
    const source = [...project.graph.revisions.values()]
      .map((rev) => rev.source)
      .find((s) => s.path === file && s.downRevisionLine === line);
    const edits = source && rebaseEdits(document.getText(), source, comparison.rebaseTarget);
    if (!edits) return [];
    const title = `Rebase onto ${comparison.ref}'s head (${comparison.rebaseTarget})`;
    const edit = new vscode.WorkspaceEdit();
    for (const { line: at, text } of edits) {
      edit.replace(document.uri, document.lineAt(at - 1).range, text, { label: title, needsConfirmation: true });
    }
    const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
    action.edit = edit;
    action.diagnostics = [diagnostic];
    action.isPreferred = true;
    return [action];
  }
}
