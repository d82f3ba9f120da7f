// Publishes the problems of every project to the Problems panel, at the file and line they are about.
import * as vscode from 'vscode';
import type { Problem, Severity } from '../core';
import { ruleDocPath } from '../core/lint/rules';
import type { ProjectRegistry } from '../projects/projectRegistry';
import { Disposable } from '../util/disposable';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** A diagnostic's code, whether plain or `{ value, target }` (a lint rule linking to its doc). */
export function diagnosticCode(diagnostic: vscode.Diagnostic): string {
  const code = diagnostic.code;
  return String(typeof code === 'object' ? code.value : (code ?? ''));
}

/** Problems another feature finds (lint, models), published in the same collection. */
export interface ProblemSource {
  problems(): readonly Problem[];
  readonly onDidChange: vscode.Event<void>;
}

export class ProblemDiagnostics extends Disposable {
  private readonly collection = this.register(vscode.languages.createDiagnosticCollection('alembic'));
  private readonly sources: ProblemSource[] = [];

  /** `docsRoot`: the folder holding docs/rules/, which a lint diagnostic's code links to. */
  constructor(
    private readonly registry: ProjectRegistry,
    private readonly docsRoot?: vscode.Uri,
  ) {
    super();
    this.register(registry.onDidChange(() => this.publish()));
    this.publish();
  }

  /** Adds the problems of another feature; they are published again whenever `source` fires. */
  addSource(source: ProblemSource): vscode.Disposable {
    this.sources.push(source);
    const subscription = source.onDidChange(() => this.publish());
    this.publish();
    return new vscode.Disposable(() => {
      subscription.dispose();
      const index = this.sources.indexOf(source);
      if (index >= 0) this.sources.splice(index, 1);
    });
  }

  /** Every problem currently known, across projects. */
  allProblems(): Problem[] {
    return [...this.registry.getProjects().flatMap((p) => p.problems), ...this.sources.flatMap((s) => s.problems())];
  }

  private publish(): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const p of this.allProblems()) {
      const line = Math.max(0, p.line - 1);
      const range = new vscode.Range(line, Math.max(0, (p.column ?? 1) - 1), line, Number.MAX_SAFE_INTEGER);
      const diagnostic = new vscode.Diagnostic(range, p.message, SEVERITY[p.severity]);
      diagnostic.source = 'alembic-lens';
      if (p.related?.length) {
        diagnostic.relatedInformation = p.related.map(
          (r) =>
            new vscode.DiagnosticRelatedInformation(
              new vscode.Location(vscode.Uri.file(r.path), new vscode.Position(Math.max(0, r.line - 1), 0)),
              r.message,
            ),
        );
      }
      const doc = ruleDocPath(p.code);
      diagnostic.code =
        doc && this.docsRoot ? { value: p.code, target: vscode.Uri.joinPath(this.docsRoot, doc) } : p.code;
      const list = byFile.get(p.path) ?? [];
      list.push(diagnostic);
      byFile.set(p.path, list);
    }
    this.collection.clear();
    this.collection.set([...byFile].map(([file, diagnostics]) => [vscode.Uri.file(file), diagnostics]));
  }
}
