// A tree view's items as plain data (label, description, contextValue, children): what the extension's
// test API returns, so that the extension-host tests read a view as a user would.
import type * as vscode from 'vscode';

export interface TreeSnapshot {
  label: string;
  description?: string;
  contextValue?: string;
  tooltip?: string;
  command?: { command: string; arguments?: unknown[] };
  children: TreeSnapshot[];
}

export async function snapshotTree<T>(
  provider: vscode.TreeDataProvider<T>,
  node?: T,
  depth = 4,
): Promise<TreeSnapshot[]> {
  const children = (await provider.getChildren(node)) ?? [];
  const out: TreeSnapshot[] = [];
  for (const child of children) {
    const item = await provider.getTreeItem(child);
    const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
    const tooltip = typeof item.tooltip === 'string' ? item.tooltip : item.tooltip?.value;
    out.push({
      label,
      description: typeof item.description === 'string' ? item.description : undefined,
      contextValue: item.contextValue,
      tooltip,
      command: item.command && { command: item.command.command, arguments: item.command.arguments },
      children: depth > 1 && item.collapsibleState ? await snapshotTree(provider, child, depth - 1) : [],
    });
  }
  return out;
}
