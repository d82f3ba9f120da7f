// After an autogenerate that wrote an empty upgrade(): why, from what this project shows (the likeliest
// cause first, see core/models/emptyAutogenerate.ts), and the offer to delete the revision, confirmed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Project } from '../core';
import { explainEmptyAutogenerate } from '../core/models/emptyAutogenerate';
import type { ModelDiscovery } from '../core/models/modelFiles';
import { readPythonFile } from '../core/python';

export async function explainEmptyRevision(
  project: Project,
  file: string,
  discovery: ModelDiscovery | undefined,
): Promise<void> {
  const { causes, ruledOut } = explainEmptyAutogenerate(project.config, discovery, readPythonFile);
  const [first] = causes;
  const open = first.file ? `Open ${path.basename(first.file)}` : undefined;
  const choice = await vscode.window.showWarningMessage(
    `Autogenerate found no changes: upgrade() of ${path.basename(file)} is empty.`,
    { modal: true, detail: [...(ruledOut ? [ruledOut] : []), ...causes.map((c) => `• ${c.text}`)].join('\n\n') },
    ...(open ? [open] : []),
    'Delete This Revision',
  );
  if (open && choice === open && first.file) {
    const line = Math.max(0, (first.line ?? 1) - 1);
    await vscode.window.showTextDocument(vscode.Uri.file(first.file), {
      selection: new vscode.Range(line, 0, line, 0),
    });
  }
  if (choice === 'Delete This Revision') await deleteRevisionFile(file);
}

/** Deletes a revision file after a modal confirmation naming it, and closes its editors. */
async function deleteRevisionFile(file: string): Promise<void> {
  const name = path.basename(file);
  const detail = `The file is deleted from disk: ${file}`;
  const choice = await vscode.window.showWarningMessage(`Delete ${name}?`, { modal: true, detail }, 'Delete');
  if (choice !== 'Delete') return;
  const uri = vscode.Uri.file(file);
  const tabs = vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.fsPath === uri.fsPath);
  await vscode.window.tabGroups.close(tabs);
  await fs.promises.unlink(file);
}
