// Before a command runs: Alembic imports and links every revision first, so a broken history (a syntax
// error in a revision file, a revision not found, a cycle) makes every command fail. The user is told
// which file and line, and may still run it.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { historyBreakers, type Project } from '../core';

/**
 * Alembic loads every revision before any command and stops on a broken history (a syntax error, a
 * revision not found): say so before running. The user may still run it, should the reader be wrong.
 */
export async function historyLoads(project: Project, title: string): Promise<boolean> {
  const broken = historyBreakers(project.problems);
  if (!broken.length) return true;
  const first = broken[0];
  const more = broken.length > 1 ? `\n\nAnd ${broken.length - 1} more in the Problems panel.` : '';
  const choice = await vscode.window.showErrorMessage(
    `${title}: Alembic cannot load this history, so the command would fail.`,
    { modal: true, detail: `${path.basename(first.path)}:${first.line}: ${first.message}${more}` },
    'Open the Problem',
    'Run Anyway',
  );
  if (choice === 'Open the Problem')
    await vscode.commands.executeCommand('alembic.revision.open', first.path, first.line);
  return choice === 'Run Anyway';
}
