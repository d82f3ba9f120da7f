// Quick fixes for alembic-lens diagnostics: merge the heads of a split history, point env.py's
// target_metadata at the models' Base, silence one lint rule on one line, correct a misspelt rule name
// in an ignore comment. Edits are WorkspaceEdits (previewable from the light bulb, undoable) that only
// add text or replace the `None` or the misspelt name; nothing else that is already there is overwritten.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Project } from '../core';
import { isLintRule } from '../core/lint/rules';
import { misspeltRules } from '../core/lint/suppressions';
import type { ModelWatcher } from '../models/modelWatcher';
import type { ProjectRegistry } from '../projects/projectRegistry';
import { Disposable } from '../util/disposable';
import { diagnosticCode } from './diagnostics';
import { ruleFixAction } from './ruleQuickFixes';

const TARGET_NONE = /^(target_metadata\s*(?::[^=]*)?=\s*)None\b/;
const IGNORE_COMMENT = /#\s*alembic-lens:\s*ignore\[([^\]]*)\]/;

export class QuickFixes extends Disposable implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(
    private readonly registry: ProjectRegistry,
    private readonly models: ModelWatcher,
  ) {
    super();
    this.register(
      vscode.languages.registerCodeActionsProvider({ language: 'python', scheme: 'file' }, this, {
        providedCodeActionKinds: QuickFixes.kinds,
      }),
    );
    this.register(
      vscode.languages.registerCodeActionsProvider({ language: 'ini', scheme: 'file' }, this, {
        providedCodeActionKinds: QuickFixes.kinds,
      }),
    );
  }

  provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== 'alembic-lens') continue;
      const code = diagnosticCode(diagnostic);
      const project = this.projectOf(document.uri.fsPath);
      if (code === 'multiple-heads' && project) actions.push(mergeHeads(project, diagnostic));
      if (code === 'target-metadata-none' && project) {
        const fix = this.targetMetadataFix(document, project, diagnostic);
        if (fix) actions.push(fix);
      }
      if (code === 'unknown-ignore-rule') actions.push(...correctRuleNames(document, diagnostic));
      const ruleFix = document.languageId === 'python' ? ruleFixAction(document, diagnostic, code) : undefined;
      if (ruleFix) actions.push(ruleFix);
      if (isLintRule(code))
        actions.push(
          document.languageId === 'python'
            ? ignoreOnLine(document, diagnostic, code)
            : ignoreAbove(document, diagnostic, code),
        );
    }
    return actions;
  }

  /** The project a file belongs to: a revision file, its env.py, or its config file. */
  private projectOf(file: string): Project | undefined {
    const resolved = path.resolve(file);
    return (
      this.registry.projectOfFile(resolved) ??
      this.registry
        .getProjects()
        .find(
          (p) =>
            p.ownsConfigFile(resolved) ||
            (p.config.scriptLocation && path.join(p.config.scriptLocation, 'env.py') === resolved),
        )
    );
  }

  /** `from <module> import Base` (plus the other model modules, so that their classes register) and `target_metadata = Base.metadata`. */
  private targetMetadataFix(
    document: vscode.TextDocument,
    project: Project,
    diagnostic: vscode.Diagnostic,
  ): vscode.CodeAction | undefined {
    const base = this.models.get(project)?.base;
    if (!base) return undefined;
    const lines = document.getText().split(/\r?\n/);
    const targetLine = lines.findIndex((l) => TARGET_NONE.test(l));
    if (targetLine < 0) return undefined;
    const prefix = TARGET_NONE.exec(lines[targetLine])![1];
    const edit = new vscode.WorkspaceEdit();
    const metadata = { label: "Set target_metadata to the models' metadata", needsConfirmation: false };
    const imports: string[] = [];
    if (!bindsName(lines, base.name)) imports.push(`from ${base.module} import ${base.name}`);
    for (const module of base.modelModules) {
      if (module !== base.module && !importsModule(lines, module))
        imports.push(`import ${module}  # noqa: F401  (registers its models on the metadata)`);
    }
    if (imports.length) {
      const at = lastImportLineBefore(lines, targetLine);
      const eol = document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
      const position = at < 0 ? new vscode.Position(0, 0) : new vscode.Position(at + 1, 0);
      edit.insert(document.uri, position, imports.join(eol) + eol, metadata);
    }
    edit.replace(
      document.uri,
      new vscode.Range(targetLine, prefix.length, targetLine, prefix.length + 'None'.length),
      `${base.name}.metadata`,
      metadata,
    );
    const action = new vscode.CodeAction(
      `Set target_metadata = ${base.name}.metadata (import ${base.name} from ${base.module})`,
      vscode.CodeActionKind.QuickFix,
    );
    action.edit = edit;
    action.diagnostics = [diagnostic];
    action.isPreferred = true;
    return action;
  }
}

function mergeHeads(project: Project, diagnostic: vscode.Diagnostic): vscode.CodeAction {
  const action = new vscode.CodeAction('Merge heads (alembic merge)', vscode.CodeActionKind.QuickFix);
  action.command = { command: 'alembic.merge.heads', title: 'Merge Heads', arguments: [{ project }] };
  action.diagnostics = [diagnostic];
  action.isPreferred = true;
  return action;
}

/** `# alembic-lens: ignore[rule]` at the end of the diagnostic's line, or the rule added to the comment already there. */
function ignoreOnLine(document: vscode.TextDocument, diagnostic: vscode.Diagnostic, rule: string): vscode.CodeAction {
  const line = document.lineAt(diagnostic.range.start.line);
  const edit = new vscode.WorkspaceEdit();
  const existing = IGNORE_COMMENT.exec(line.text);
  if (existing) {
    const rules = existing[1]
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean);
    if (!rules.includes(rule)) {
      const closing = existing.index + existing[0].length - 1;
      edit.insert(document.uri, new vscode.Position(line.lineNumber, closing), rules.length ? `, ${rule}` : rule);
    }
  } else {
    const end = line.text.replace(/\s+$/, '').length;
    edit.replace(
      document.uri,
      new vscode.Range(line.lineNumber, end, line.lineNumber, line.text.length),
      `  # alembic-lens: ignore[${rule}]`,
    );
  }
  const action = new vscode.CodeAction(`Ignore ${rule} on this line`, vscode.CodeActionKind.QuickFix);
  action.edit = edit;
  action.diagnostics = [diagnostic];
  return action;
}

/** `ignore[drop-tabel]` -> `ignore[drop-table]`: one action per misspelt name of the diagnostic's line. */
function correctRuleNames(document: vscode.TextDocument, diagnostic: vscode.Diagnostic): vscode.CodeAction[] {
  const line = document.lineAt(diagnostic.range.start.line);
  return misspeltRules(line.text).map(({ start, end, rule, meant }) => {
    const action = new vscode.CodeAction(`Change '${rule}' to '${meant}'`, vscode.CodeActionKind.QuickFix);
    action.edit = new vscode.WorkspaceEdit();
    action.edit.replace(document.uri, new vscode.Range(line.lineNumber, start, line.lineNumber, end), meant);
    action.diagnostics = [diagnostic];
    action.isPreferred = true;
    return action;
  });
}

/** configparser only knows full-line comments: the ignore comment goes on its own line above. */
function ignoreAbove(document: vscode.TextDocument, diagnostic: vscode.Diagnostic, rule: string): vscode.CodeAction {
  const line = document.lineAt(diagnostic.range.start.line);
  const indent = line.text.slice(0, line.firstNonWhitespaceCharacterIndex);
  const eol = document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
  const edit = new vscode.WorkspaceEdit();
  edit.insert(document.uri, new vscode.Position(line.lineNumber, 0), `${indent}# alembic-lens: ignore[${rule}]${eol}`);
  const action = new vscode.CodeAction(`Ignore ${rule} on this line`, vscode.CodeActionKind.QuickFix);
  action.edit = edit;
  action.diagnostics = [diagnostic];
  return action;
}

/** True when env.py already binds `name` at module level (an import or an assignment). */
function bindsName(lines: readonly string[], name: string): boolean {
  const word = new RegExp(`(?:^|[\\s,(])${name}(?:\\s*(?:,|\\)|$|#))`);
  return lines.some(
    (l) =>
      (/^(from\s+\S+\s+import|import)\s/.test(l) && word.test(l.replace(/^from\s+\S+\s+import\s+/, ' '))) ||
      new RegExp(`^${name}\\s*(?::[^=]*)?=`).test(l),
  );
}

function importsModule(lines: readonly string[], module: string): boolean {
  const escaped = module.replace(/\./g, '\\.');
  return lines.some((l) => new RegExp(`^(import\\s+${escaped}\\b|from\\s+${escaped}\\s+import\\b)`).test(l));
}

/** The last line of the last module-level import before `limit` (a parenthesized import ends at its `)`), or -1. */
function lastImportLineBefore(lines: readonly string[], limit: number): number {
  let last = -1;
  for (let i = 0; i < limit; i++) {
    if (!/^(from\s+\S+\s+import|import)\s/.test(lines[i])) continue;
    let end = i;
    if (lines[i].includes('(') && !lines[i].includes(')')) while (end + 1 < limit && !lines[end].includes(')')) end++;
    else while (end + 1 < limit && /\\\s*$/.test(lines[end])) end++;
    last = end;
    i = end;
  }
  return last;
}
