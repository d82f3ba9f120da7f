// The Test Explorer's "Alembic migrations": one test controller per project, an item per revision
// (its stairway step, at its line, so the run icon shows in the revision file) and the project checks.
// In an untrusted workspace the items are listed but not runnable, and say why.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Project } from '../core';
import type { MigrationCheck } from '../core/migrationTests';
import { type ProjectRegistry, projectKey } from '../projects/projectRegistry';
import type { InterpreterService } from '../runner/interpreter';
import { Disposable } from '../util/disposable';
import { itemId, MigrationTestRunner, type RecordedRun, UNTRUSTED_MESSAGE } from './migrationTestRun';

const PROJECT_CHECKS: ReadonlyArray<{ check: MigrationCheck; label: string }> = [
  { check: 'single-head', label: 'single head' },
  { check: 'models-match', label: 'models match the migrations' },
  { check: 'downgrade-to-base', label: 'downgrade to base and up again' },
];

export interface MigrationTestsTestApi {
  /** The items of every controller, as plain data. */
  items(): Array<{ controller: string; id: string; label: string; file?: string; line?: number; error?: string }>;
  /** Runs items (all when `ids` is empty) of the first project; `cancelOn` may cancel the run at an event. */
  run(ids: string[], cancelOn?: (event: { kind: string; id?: string }) => boolean): Promise<RecordedRun>;
}

class ProjectTests extends Disposable {
  readonly controller: vscode.TestController;

  constructor(
    readonly project: Project,
    label: string,
    runner: MigrationTestRunner,
  ) {
    super();
    const id = `alembic-lens.migrations.${createHash('sha1').update(projectKey(project)).digest('hex').slice(0, 12)}`;
    this.controller = this.register(vscode.tests.createTestController(id, label));
    this.register(
      this.controller.createRunProfile(
        'Run',
        vscode.TestRunProfileKind.Run,
        async (request, token) => {
          await runner.run(this, request, token);
        },
        true,
      ),
    );
    this.controller.refreshHandler = () => this.refresh();
    this.refresh();
  }

  /** Rebuilds the items from the project's history, newest last (upgrade order). */
  refresh(): void {
    const c = this.controller;
    const items: vscode.TestItem[] = [];
    const envPy = this.project.config.scriptLocation
      ? path.join(this.project.config.scriptLocation, 'env.py')
      : this.project.config.configFile;
    PROJECT_CHECKS.forEach(({ check, label }, index) => {
      const item = c.createTestItem(itemId(check), label, vscode.Uri.file(envPy));
      item.sortText = `0${index}`;
      items.push(item);
    });
    const order = this.project.graph.revisions.size ? safeOrder(this.project) : [];
    order.forEach((revision, index) => {
      const label = `${revision.id}${revision.source.message ? ` ${revision.source.message}` : ''}`;
      const item = c.createTestItem(itemId('stairway', revision.id), label, vscode.Uri.file(revision.source.path));
      const line = Math.max(0, revision.source.revisionLine - 1);
      item.range = new vscode.Range(line, 0, line, 0);
      item.description = 'stairway';
      item.sortText = `1${String(index).padStart(6, '0')}`;
      items.push(item);
    });
    const untrusted = vscode.workspace.isTrusted ? undefined : new vscode.MarkdownString(UNTRUSTED_MESSAGE);
    for (const item of items) item.error = untrusted;
    c.items.replace(items);
  }

  /** Item by id. */
  item(id: string): vscode.TestItem | undefined {
    return this.controller.items.get(id);
  }
}

function safeOrder(project: Project): ReturnType<Project['graph']['walkRevisions']> {
  try {
    return project.graph.walkRevisions('base', 'heads').reverse();
  } catch {
    // A broken history (a cycle) has no order: list the revisions as they were read.
    return [...project.graph.revisions.values()];
  }
}

export class MigrationTestService extends Disposable {
  private readonly projects = new Map<Project, ProjectTests>();
  private readonly runner: MigrationTestRunner;

  constructor(
    private readonly registry: ProjectRegistry,
    interpreters: InterpreterService,
    extensionUri: vscode.Uri,
    state: vscode.Memento,
  ) {
    super();
    this.runner = this.register(new MigrationTestRunner(registry, interpreters, extensionUri, state));
    this.register(registry.onDidChange(() => this.sync()));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.projects.forEach((p) => p.refresh())));
    this.register({ dispose: () => this.projects.forEach((p) => p.dispose()) });
    this.sync();
  }

  private sync(): void {
    const current = this.registry.getProjects();
    for (const [project, tests] of [...this.projects]) {
      if (current.includes(project)) continue;
      tests.dispose();
      this.projects.delete(project);
    }
    for (const project of current) {
      const label = current.length > 1 ? `Alembic migrations: ${project.name}` : 'Alembic migrations';
      const existing = this.projects.get(project);
      if (existing && existing.controller.label === label) existing.refresh();
      else {
        existing?.dispose();
        this.projects.set(project, new ProjectTests(project, label, this.runner));
      }
    }
  }

  readonly testApi: MigrationTestsTestApi = {
    items: () =>
      [...this.projects.values()].flatMap((p) => {
        const out: ReturnType<MigrationTestsTestApi['items']> = [];
        p.controller.items.forEach((item) => {
          const error = typeof item.error === 'string' ? item.error : item.error?.value;
          out.push({
            controller: p.controller.label,
            id: item.id,
            label: item.label,
            file: item.uri?.fsPath,
            line: item.range ? item.range.start.line + 1 : undefined,
            error,
          });
        });
        return out;
      }),
    run: async (ids, cancelOn) => {
      await this.registry.whenIdle();
      const tests = [...this.projects.values()][0];
      if (!tests) throw new Error('no Alembic project');
      const include = ids.length ? ids.map((id) => tests.item(id)).filter((i): i is vscode.TestItem => !!i) : undefined;
      const request = new vscode.TestRunRequest(include);
      const source = new vscode.CancellationTokenSource();
      try {
        return await this.runner.run(tests, request, source.token, (event) => {
          if (cancelOn?.(event)) source.cancel();
        });
      } finally {
        source.dispose();
      }
    },
  };
}

export type { ProjectTests };
