// The revision graph panel in a real VS Code: it opens on the sample, its webview draws what the extension
// sent (the webview reports back), it follows a generated history with branches, merges and depends_on as
// the files appear, and the webview's messages (node click, context menu, merge, export) do what the tree
// does. Messages are posted through the extension's API exactly as the webview posts them.

import * as assert from 'node:assert';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GraphEdge, GraphLayout, GraphNode } from '../../src/core/graphLayout';
import type { RenderedReport } from '../../src/graph/protocol';
import type { AlembicLensApi } from '../../src/testApi/testApi';
import { activatedApi, EXTENSION_ID, heads, readRevisionFiles, versionsDir, waitFor } from './helpers';

type GraphApi = AlembicLensApi;

/** A revision file as Alembic writes it, with any down_revision tuple, depends_on and branch labels. */
function revisionFile(
  id: string,
  down: string[],
  message: string,
  day: number,
  extra: { depends?: string[]; labels?: string[] } = {},
): string {
  const tuple = (values: string[] | undefined): string =>
    !values?.length ? 'None' : values.length === 1 ? `'${values[0]}'` : `(${values.map((v) => `'${v}'`).join(', ')})`;
  return `"""${message}

Revision ID: ${id}
Revises: ${down.join(', ')}
Create Date: 2030-01-${String(day).padStart(2, '0')} 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '${id}'
down_revision = ${tuple(down)}
branch_labels = ${tuple(extra.labels)}
depends_on = ${tuple(extra.depends)}


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
`;
}

function idFor(name: string): string {
  return crypto.createHash('sha1').update(`graph-test:${name}:${process.pid}`).digest('hex').slice(0, 12);
}

describe('Revision graph', () => {
  let api: GraphApi;
  const added: string[] = [];
  const restore: Array<() => void> = [];

  /** Replaces a vscode.window function for the current test (the extension shares this object). */
  function stub<K extends keyof typeof vscode.window>(name: K, replacement: (...args: never[]) => unknown): void {
    const w = vscode.window as unknown as Record<string, unknown>;
    const original = w[name];
    w[name] = replacement;
    restore.push(() => (w[name] = original));
  }

  /** Writes revision files into the versions folder (removed after the test) and waits until the graph has them. */
  async function addRevisions(files: Array<{ id: string; text: string }>): Promise<GraphLayout> {
    const dir = versionsDir();
    for (const f of files) {
      const file = path.join(dir, `${f.id}_graph_test.py`);
      fs.writeFileSync(file, f.text);
      added.push(file);
    }
    return waitFor(
      `the graph to show ${files.length} added revisions`,
      async () => {
        await api.whenIdle();
        const layout = api.graph.lastLayout();
        const shown = new Set(layout?.nodes.flatMap((n) => [n.id, ...(n.members ?? []).map((m) => m.id)]));
        return files.every((f) => shown.has(f.id)) ? layout : undefined;
      },
      15000,
    );
  }

  /** The webview drew the last view the extension sent. */
  function drawn(): Promise<RenderedReport> {
    return waitFor(
      'the webview to draw the last view',
      () => {
        const view = api.graph.lastView();
        const rendered = api.graph.lastRendered();
        return view && rendered && rendered.version === view.version ? rendered : undefined;
      },
      15000,
    );
  }

  const node = (layout: GraphLayout, id: string): GraphNode => {
    const found = layout.nodes.find((n) => n.id === id);
    assert.ok(found, `node ${id} is in the layout`);
    return found;
  };
  const edgesFrom = (layout: GraphLayout, id: string): GraphEdge[] => layout.edges.filter((e) => e.from === id);

  before(async function () {
    this.timeout(60000);
    api = await activatedApi<GraphApi>();
    assert.strictEqual(typeof api.graph?.lastLayout, 'function', 'activate() returns an API with graph.lastLayout()');
  });

  afterEach(async () => {
    for (const undo of restore.splice(0).reverse()) undo();
    for (const file of added.splice(0)) fs.rmSync(file, { force: true });
    await api.whenIdle();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('contributes "Alembic: Show Revision Graph" to the palette and the Revisions view', () => {
    const contributes = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes;
    const command = contributes.commands.find((c: { command: string }) => c.command === 'alembic.graph.show');
    assert.ok(command, 'the command is contributed');
    assert.strictEqual(`${command.category}: ${command.title}`, 'Alembic: Show Revision Graph');
    assert.ok(command.icon, 'it has an icon for the view title bar');
    assert.ok(
      contributes.menus['view/title'].some(
        (m: { command: string; when: string }) =>
          m.command === 'alembic.graph.show' && m.when.includes('view == alembic.revisions'),
      ),
    );
  });

  it('opens on the sample: one panel, whose webview drew the layout it was sent', async () => {
    await vscode.commands.executeCommand('alembic.graph.show');
    const layout = await waitFor('a layout sent to the webview', () => api.graph.lastLayout(), 15000);
    const files = readRevisionFiles();
    assert.strictEqual(layout.rows, files.length, 'one row per revision of the sample');
    assert.strictEqual(layout.lanes, 1, 'the sample is one line');
    assert.deepStrictEqual(layout.nodes.map((n) => n.id).sort(), files.map((f) => f.revision).sort());
    assert.strictEqual(layout.nodes[0].id, heads(files)[0], 'the head is on top');
    const rendered = await drawn();
    assert.strictEqual(rendered.rows, layout.rows);
    assert.deepStrictEqual(
      [...rendered.visible].sort(),
      layout.nodes.map((n) => n.id).sort(),
      'every row is in the DOM',
    );

    const tabs = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .filter((t) => t.input instanceof vscode.TabInputWebview && t.label.startsWith('Revision Graph'));
    assert.strictEqual(tabs.length, 1, 'one graph panel');
    // Again: the same panel, not a second one.
    await vscode.commands.executeCommand('alembic.graph.show');
    assert.deepStrictEqual(api.graph.panels().length, 1);
  });

  it('follows a generated history with branches, merges and depends_on, and reveals a revision', async () => {
    await vscode.commands.executeCommand('alembic.graph.show');
    const [head] = heads(readRevisionFiles());
    const id = (name: string) => idFor(name);
    // head <- a1 <- a2 <- m1 <- a3 (head)
    //      <- b1 <- b2 (@feature) <-'      <- c1 (head, depends_on a1)
    const specs: Array<[string, string[], string, { depends?: string[]; labels?: string[] }?]> = [
      ['a1', [head], 'create orders table'],
      ['b1', [head], 'create invoices table', { labels: [`feature_${process.pid}`] }],
      ['a2', [id('a1')], 'add status to orders'],
      ['b2', [id('b1')], 'add amount to invoices'],
      ['m1', [id('a2'), id('b2')], 'merge invoices'],
      ['a3', [id('m1')], 'index orders status'],
      ['c1', [id('m1')], 'create tags table', { depends: [id('a1')] }],
    ];
    const layout = await addRevisions(
      specs.map(([name, down, message, extra], i) => ({
        id: id(name),
        text: revisionFile(id(name), down, message, i + 1, extra),
      })),
    );

    const merge = node(layout, id('m1'));
    assert.ok(merge.merge, 'the merge is a merge point');
    const mergeEdges = edgesFrom(layout, id('m1'));
    assert.strictEqual(mergeEdges.length, 2);
    assert.notStrictEqual(mergeEdges[0].lane, mergeEdges[1].lane, 'a merge joins two lanes');
    assert.ok(layout.mainLanes >= 2, 'the branch has a lane of its own');
    assert.ok(node(layout, head).branchPoint, 'the sample head became a branch point');
    const dep = edgesFrom(layout, id('c1')).find((e) => e.kind === 'depends');
    assert.ok(dep && dep.to === id('a1'), 'depends_on is drawn as its own kind of edge');
    assert.ok(node(layout, id('a3')).head && node(layout, id('c1')).head, 'two heads');
    assert.deepStrictEqual(
      node(layout, id('b1')).labels,
      [`feature_${process.pid}`],
      'the branch label is on the revision that declares it',
    );
    await drawn();

    // Reveal (what the CodeLens calls): the panel scrolls to the revision and selects it.
    await vscode.commands.executeCommand('alembic.graph.show', { revision: id('b1') });
    await waitFor(
      'the revealed revision selected in the webview',
      () => api.graph.lastRendered()?.selected.includes(id('b1')),
      10000,
    );

    // A live update keeps the selection.
    const before = api.graph.lastView()!.version;
    await addRevisions([{ id: id('d1'), text: revisionFile(id('d1'), [id('a3')], 'add notes to orders', 9) }]);
    const rendered = await drawn();
    assert.ok(api.graph.lastView()!.version > before);
    assert.ok(
      rendered.selected.includes(id('b1')),
      `the selection survives the update: ${JSON.stringify(rendered.selected)}`,
    );
  });

  it('shows problems where they are: a dangling edge for a missing down_revision', async () => {
    await vscode.commands.executeCommand('alembic.graph.show');
    const id = idFor('dangling');
    const layout = await addRevisions([{ id, text: revisionFile(id, ['0123456789ab'], 'orphaned revision', 20) }]);
    const dangling = edgesFrom(layout, id).find((e) => e.dangling);
    assert.ok(dangling, 'a dangling edge');
    assert.match(dangling.problem ?? '', /0123456789ab/);
    assert.ok(
      node(layout, id).problems.some((p) => p.code === 'missing-revision'),
      'the node carries the problem',
    );
  });

  it('collapses a long linear run into one node and expands it on request', async () => {
    await vscode.commands.executeCommand('alembic.graph.show');
    const [head] = heads(readRevisionFiles());
    const files = Array.from({ length: 12 }, (_, i) => {
      const id = idFor(`run${i}`);
      return { id, text: revisionFile(id, [i ? idFor(`run${i - 1}`) : head], `linear step ${i}`, i + 1) };
    });
    const layout = await addRevisions(files);
    const run = layout.nodes.find((n) => n.kind === 'run');
    assert.ok(run, `a collapsed run: ${JSON.stringify(layout.nodes.map((n) => n.id))}`);
    assert.ok(run.members!.length > 8);
    await api.graph.simulate(undefined, { type: 'expand', runs: [run.id] });
    const expanded = api.graph.lastLayout()!;
    assert.ok(!expanded.nodes.some((n) => n.kind === 'run'), 'expanded');
    assert.strictEqual(expanded.rows, layout.rows + run.members!.length - 1);
    await api.graph.simulate(undefined, { type: 'collapse', runs: [run.id] });
    assert.ok(
      api.graph.lastLayout()!.nodes.some((n) => n.id === run.id),
      'collapsed again',
    );
  });

  it('opens the file of a clicked node', async () => {
    await vscode.commands.executeCommand('alembic.graph.show');
    const files = readRevisionFiles();
    const target = files[0];
    await api.graph.simulate(undefined, { type: 'open', id: target.revision });
    await waitFor(`${path.basename(target.file)} open in an editor`, () =>
      vscode.window.visibleTextEditors.some((e) => path.resolve(e.document.uri.fsPath) === path.resolve(target.file)),
    );
    assert.strictEqual(api.graph.panels().length, 1, 'the graph stays open beside the file');
  });

  it('runs context menu actions through the existing commands, with their confirmations', async () => {
    await vscode.commands.executeCommand('alembic.graph.show');
    const [head] = heads(readRevisionFiles());

    await api.graph.simulate(undefined, { type: 'action', action: 'copyId', id: head });
    assert.strictEqual(await vscode.env.clipboard.readText(), head, 'Copy id');

    const warnings: string[] = [];
    stub('showWarningMessage', ((message: string) => {
      warnings.push(message);
      return Promise.resolve(undefined); // the user cancels the modal
    }) as never);
    await api.graph.simulate(undefined, { type: 'action', action: 'stamp', id: head });
    assert.ok(
      warnings.some((w) => w.startsWith('Stamp') && w.includes(head.slice(0, 7))),
      `alembic.stamp asked first: ${JSON.stringify(warnings)}`,
    );
  });

  it('merges selected heads with alembic.merge.heads', async () => {
    await vscode.commands.executeCommand('alembic.graph.show');
    const [head] = heads(readRevisionFiles());
    const x = idFor('head-x');
    const y = idFor('head-y');
    await addRevisions([
      { id: x, text: revisionFile(x, [head], 'left head', 1) },
      { id: y, text: revisionFile(y, [head], 'right head', 2) },
    ]);
    const inputs: string[] = [];
    stub('showInputBox', ((options: vscode.InputBoxOptions) => {
      inputs.push(options.title ?? '');
      return Promise.resolve(undefined); // cancelled at the message prompt: nothing runs
    }) as never);
    await api.graph.simulate(undefined, { type: 'merge', ids: [x, y] });
    assert.ok(
      inputs.some((t) => /^Merge 2 heads/.test(t)),
      `alembic.merge.heads asked for the message: ${JSON.stringify(inputs)}`,
    );
  });

  it('exports the whole graph as SVG, asking before it replaces a file', async () => {
    await vscode.commands.executeCommand('alembic.graph.show');
    const target = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'graph-export-')), 'graph.svg');
    stub('showSaveDialog', (() => Promise.resolve(vscode.Uri.file(target))) as never);
    const warnings: string[] = [];
    let answer: string | undefined;
    stub('showWarningMessage', ((message: string) => {
      warnings.push(message);
      return Promise.resolve(answer);
    }) as never);
    try {
      await api.graph.simulate(undefined, { type: 'export' });
      const svg = fs.readFileSync(target, 'utf8');
      assert.match(svg, /^<\?xml[\s\S]*<svg [\s\S]*<\/svg>\s*$/);
      for (const f of readRevisionFiles())
        assert.ok(svg.includes(f.revision.slice(0, 7)), `the export shows ${f.revision}`);
      assert.strictEqual(warnings.length, 0, 'no question for a new file');

      fs.writeFileSync(target, 'old');
      await api.graph.simulate(undefined, { type: 'export' });
      assert.ok(
        warnings.some((w) => w.includes('already exists')),
        'asks before replacing',
      );
      assert.strictEqual(fs.readFileSync(target, 'utf8'), 'old', 'kept when the user says no');
      answer = 'Replace';
      await api.graph.simulate(undefined, { type: 'export' });
      assert.match(fs.readFileSync(target, 'utf8'), /<svg /, 'replaced when the user agrees');
    } finally {
      fs.rmSync(path.dirname(target), { recursive: true, force: true });
    }
  });
});
