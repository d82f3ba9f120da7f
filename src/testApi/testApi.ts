// What activate() returns: the extension's state as plain data, for the extension-host tests (and any
// extension that wants it). Tests import this type instead of declaring their own.
import * as vscode from 'vscode';
import type { ActionAvailability } from '../commands/actionAvailability';
import type { Problem } from '../core';
import type { DatabaseStatusService } from '../database/databaseStatus';
import type { GraphPanels, GraphTestApi } from '../graph/graphPanel';
import type { ProblemDiagnostics } from '../lint/diagnostics';
import type { LintDiagnostics } from '../lint/lintDiagnostics';
import type { MigrationTestService, MigrationTestsTestApi } from '../migrationTests/migrationTestController';
import type { ModelFilesTreeProvider } from '../models/modelFilesView';
import type { ModelWatcher } from '../models/modelWatcher';
import type { ProjectRegistry } from '../projects/projectRegistry';
import type { RevisionsTreeProvider } from '../revisions/revisionsTree';
import type { AlembicLog } from '../runner/alembicLog';
import { snapshotTree, type TreeSnapshot } from './treeSnapshot';

/** What the extension returns from activate(): used by the extension-host tests and other extensions. */
export interface AlembicLensApi {
  getRevisionItems(): Promise<Array<{ id: string; label: string; description?: string; contextValue?: string }>>;
  getProblems(): Problem[];
  /** The status line of each project's database ("at 92404fb, up to date") and its tooltip, after a fresh read. */
  getDatabaseStatus(): Promise<
    Array<{ project: string; kind: string; text: string; source?: string; tooltip?: string }>
  >;
  whenIdle(): Promise<void>;
  /** The revision graph panels: what they sent to their webviews, and a way to post as a webview (tests). */
  graph: GraphTestApi;
  /** A view's items as plain data, once files, models and lint have settled (tests). */
  getTreeSnapshot(view: 'alembic.revisions' | 'alembic.models'): Promise<TreeSnapshot[]>;
  /** What the commands left for the user to see: the "Alembic" output channel, the context keys (tests). */
  commands: { outputLines(): string[]; contextKeys(): Record<string, unknown> };
  /** The Test Explorer's migration tests: items and runs as plain data (tests). */
  migrationTests: MigrationTestsTestApi;
  /** How long the synchronous part of activate() took, in ms (the bench reports it). */
  activationMs: number;
}

/** The services the test API reads. */
export interface TestApiSources {
  registry: ProjectRegistry;
  tree: RevisionsTreeProvider;
  diagnostics: ProblemDiagnostics;
  database: DatabaseStatusService;
  graph: GraphPanels;
  migrationTests: MigrationTestService;
  models: ModelWatcher;
  lint: LintDiagnostics;
  modelTree: ModelFilesTreeProvider;
  log: AlembicLog;
  availability: ActionAvailability;
  activationMs: number;
}

export function createTestApi(sources: TestApiSources): AlembicLensApi {
  const { registry, tree, diagnostics, database, graph, migrationTests, models, lint, modelTree, log, availability } =
    sources;
  return {
    async getRevisionItems() {
      await registry.whenIdle();
      const items: Awaited<ReturnType<AlembicLensApi['getRevisionItems']>> = [];
      const walk = (nodes: ReturnType<RevisionsTreeProvider['getChildren']>): void => {
        for (const node of nodes) {
          const item = tree.getTreeItem(node);
          if (node.kind === 'revision') {
            items.push({
              id: node.revision.id,
              label: String(item.label),
              description: item.description as string | undefined,
              contextValue: item.contextValue,
            });
          } else if (node.kind === 'project') walk(tree.getChildren(node));
        }
      };
      walk(tree.getChildren());
      return items;
    },
    getProblems: () => diagnostics.allProblems(),
    async getDatabaseStatus() {
      await registry.whenIdle();
      await database.refreshAll();
      return registry.getProjects().map((project) => {
        const status = database.get(project);
        const item = tree.getTreeItem({ kind: 'database', project });
        const tooltip = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : item.tooltip;
        const kind = status?.kind ?? 'checking';
        return { project: project.name, kind, text: String(item.label), source: status?.source, tooltip };
      });
    },
    whenIdle: () => registry.whenIdle(),
    graph: graph.testApi,
    migrationTests: migrationTests.testApi,
    activationMs: sources.activationMs,
    async getTreeSnapshot(view) {
      await registry.whenIdle();
      await models.whenIdle();
      await lint.whenIdle();
      return view === 'alembic.models' ? snapshotTree(modelTree) : snapshotTree(tree);
    },
    commands: { outputLines: () => log.lines(), contextKeys: () => availability.contextKeys() },
  };
}
