// "Restore from <commit>" on a deleted-revision problem (src/core/git/deletedRevisions.ts): the revision
// file a down_revision or depends_on still names is written back from git, after a confirmation naming
// it, never over a file that exists.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CommandHandler } from '../commands/commandRegistry';
import type { Project } from '../core';
import type { RevisionDeletion } from '../core/git/deletedRevisions';
import { restoreFromCommit } from '../core/git/workTree';
import { diagnosticCode } from '../lint/diagnostics';
import type { ProjectRegistry } from '../projects/projectRegistry';
import { Disposable } from '../util/disposable';
import type { TeamsService } from './teamsService';

export class RestoreRevisionAction extends Disposable implements vscode.CodeActionProvider {
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

  commandTable(): Record<string, CommandHandler> {
    return {
      'alembic.teams.restoreRevision': (t?: { project?: Project; deletion?: RevisionDeletion }) =>
        t?.project && t.deletion && this.restore(t.project, t.deletion),
    };
  }

  provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const file = path.resolve(document.uri.fsPath);
    const project = this.registry.projectOfFile(file);
    if (!project) return [];
    return context.diagnostics
      .filter((d) => d.source === 'alembic-lens' && diagnosticCode(d) === 'deleted-revision')
      .flatMap((diagnostic) => {
        const explained = this.teams
          .deletionsOf(project)
          .find((e) => e.problem.path === file && e.problem.line === diagnostic.range.start.line + 1);
        if (!explained) return [];
        const { deletion } = explained;
        const action = new vscode.CodeAction(
          `Restore ${path.basename(deletion.path)} from ${sourceName(deletion)}`,
          vscode.CodeActionKind.QuickFix,
        );
        action.command = {
          command: 'alembic.teams.restoreRevision',
          title: 'Restore Revision File',
          arguments: [{ project, deletion }],
        };
        action.diagnostics = [diagnostic];
        return [action];
      });
  }

  async restore(project: Project, deletion: RevisionDeletion): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Alembic Lens runs git only in a trusted workspace.');
      return;
    }
    const repo = (await this.teams.readerOf(project)).repo;
    const target = repo.absolute(deletion.path);
    const choice = await vscode.window.showWarningMessage(
      `Restore ${deletion.path} from ${sourceName(deletion)}?`,
      {
        modal: true,
        detail:
          `Revision ${deletion.revision} is written back to ${target} as it was ` +
          `${deletion.inWorkTree ? 'at HEAD' : `before commit ${deletion.commit.slice(0, 7)} deleted it`}. ` +
          'An existing file is never overwritten.',
      },
      'Restore',
    );
    if (choice !== 'Restore') return;
    await restoreFromCommit(repo, deletion.restoreFrom, deletion.path, target);
    await vscode.window.showTextDocument(vscode.Uri.file(target));
  }
}

/** "HEAD" for a deletion only the work tree made, else the commit that deleted the file. */
function sourceName(deletion: RevisionDeletion): string {
  return deletion.inWorkTree ? 'HEAD' : deletion.commit.slice(0, 7);
}
