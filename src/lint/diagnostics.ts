// Publishes the problems of every project to the Problems panel, at the file and line they are about.
import * as vscode from 'vscode';
import type { Problem, Severity } from '../core';
import type { ProjectRegistry } from '../projects/projectRegistry';
import { Disposable } from '../util/disposable';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** Problems another feature finds (lint, models), published in the same collection. */
export interface ProblemSource {
  problems(): readonly Problem[];
  readonly onDidChange: vscode.Event<void>;
}

export class ProblemDiagnostics extends Disposable {
  private readonly collection = this.register(vscode.languages.createDiagnosticCollection('alembic'));
  private readonly sources: ProblemSource[] = [];

  constructor(private readonly registry: ProjectRegistry) {
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
      diagnostic.code = p.code;
      const list = byFile.get(p.path) ?? [];
      list.push(diagnostic);
      byFile.set(p.path, list);
    }
    this.collection.clear();
    this.collection.set([...byFile].map(([file, diagnostics]) => [vscode.Uri.file(file), diagnostics]));
  }
}
