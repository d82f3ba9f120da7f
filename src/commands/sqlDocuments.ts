// Read-only documents for Alembic's offline SQL (`upgrade --sql`): named after the range
// ("upgrade 13c9c7d..92404fb.sql", so the language is SQL), served by a content provider, so they are
// never dirty and closing one never asks to save. The last few texts are kept for reopened tabs.
import * as vscode from 'vscode';
import { Disposable } from '../util/disposable';

const SCHEME = 'alembic-sql';
/** Texts kept for documents VS Code may ask for again (a reopened tab, a reloaded editor). */
const KEPT = 20;

export class SqlDocuments extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private opened = 0;

  constructor() {
    super();
    this.register(vscode.workspace.registerTextDocumentContentProvider(SCHEME, this));
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  /** Opens `text` read-only in an editor titled `name` (which should end in `.sql`). */
  async show(name: string, text: string): Promise<vscode.TextDocument> {
    // The query keeps each run its own document, while the title stays the name.
    const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${name}`, query: String(++this.opened) });
    this.texts.set(uri.toString(), text);
    for (const old of this.texts.keys()) {
      if (this.texts.size <= KEPT) break;
      this.texts.delete(old);
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: false });
    return doc;
  }
}
