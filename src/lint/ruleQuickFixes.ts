// The mechanical fixes of lint findings (src/core/lint/rules/fixes.ts) as code actions: the core says
// which lines become what, this turns that into a WorkspaceEdit on the open document.
import * as vscode from 'vscode';
import { ruleFix } from '../core/lint/rules/fixes';

export function ruleFixAction(
  document: vscode.TextDocument,
  diagnostic: vscode.Diagnostic,
  code: string,
): vscode.CodeAction | undefined {
  const fix = ruleFix(document.getText(), code, diagnostic.range.start.line + 1);
  if (!fix) return undefined;
  const eol = document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
  const edit = new vscode.WorkspaceEdit();
  for (const { fromLine, toLine, lines } of fix.edits) {
    const text = lines.map((l) => l + eol).join('');
    if (toLine < fromLine) edit.insert(document.uri, new vscode.Position(fromLine - 1, 0), text);
    else edit.replace(document.uri, new vscode.Range(fromLine - 1, 0, toLine, 0), text);
  }
  const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
  action.edit = edit;
  action.diagnostics = [diagnostic];
  action.isPreferred = true;
  return action;
}
