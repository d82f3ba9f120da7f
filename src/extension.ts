// Activation: builds the services, hands VS Code one disposer, and starts the first project scan
// after activate() returns, so that activation itself stays cheap.
import * as vscode from 'vscode';
import { Problem } from './core';
import { ProblemDiagnostics } from './problems/diagnostics';
import { ProjectRegistry } from './projects/projectRegistry';
import { RevisionsTreeProvider } from './views/revisionsTree';

/** What the extension returns from activate(): used by the extension-host tests and other extensions. */
export interface AlembicLensApi {
  getRevisionItems(): Promise<Array<{ id: string; label: string; description?: string; contextValue?: string }>>;
  getProblems(): Problem[];
  whenIdle(): Promise<void>;
}

export function activate(context: vscode.ExtensionContext): AlembicLensApi {
  const registry = new ProjectRegistry();
  const tree = new RevisionsTreeProvider(registry);
  const diagnostics = new ProblemDiagnostics(registry);
  context.subscriptions.push(
    registry,
    tree,
    diagnostics,
    vscode.window.createTreeView('alembic.revisions', { treeDataProvider: tree, showCollapseAll: true }),
    vscode.commands.registerCommand('alembic.refresh', () => registry.discover()),
    vscode.commands.registerCommand('alembic.revision.open', (file: string, line?: number) => openAt(file, line)),
    registry.onDidChange(() => updateContext(registry)),
  );
  void vscode.commands.executeCommand('setContext', 'alembic.state', 'loading');
  void registry.discover();

  return {
    async getRevisionItems() {
      await registry.whenIdle();
      const items: Awaited<ReturnType<AlembicLensApi['getRevisionItems']>> = [];
      const walk = (nodes: ReturnType<RevisionsTreeProvider['getChildren']>): void => {
        for (const node of nodes) {
          const item = tree.getTreeItem(node);
          if (node.kind === 'revision') {
            items.push({ id: node.revision.id, label: String(item.label), description: item.description as string | undefined, contextValue: item.contextValue });
          } else walk(tree.getChildren(node));
        }
      };
      walk(tree.getChildren());
      return items;
    },
    getProblems: () => diagnostics.allProblems(),
    whenIdle: () => registry.whenIdle(),
  };
}

export function deactivate(): void {
  // everything is disposed through context.subscriptions
}

function updateContext(registry: ProjectRegistry): void {
  const state = registry.getProjects().length ? 'ready' : 'noProject';
  void vscode.commands.executeCommand('setContext', 'alembic.state', state);
}

async function openAt(file: string, line = 1): Promise<void> {
  const position = new vscode.Position(Math.max(0, line - 1), 0);
  await vscode.window.showTextDocument(vscode.Uri.file(file), { selection: new vscode.Range(position, position), preview: true });
}
