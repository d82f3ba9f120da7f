// The one setting every CodeLens provider of alembic-lens obeys.
import * as vscode from 'vscode';

/** `alembic.codeLens.enabled` (default true) for the resource's folder. */
export function codeLensEnabled(resource: vscode.Uri): boolean {
  return vscode.workspace.getConfiguration('alembic', resource).get<boolean>('codeLens.enabled', true);
}
