// The version folders' own watchers. VS Code's workspace watcher can miss a folder made after it started:
// `alembic init` makes alembic/ and alembic/versions/ within a millisecond, and the recursive watcher
// may add alembic/ without ever seeing versions/ (seen in a real VS Code: no event for any revision file
// until a reload). So each version folder also gets a watcher of its own, by Node on the extension
// host's machine (where the files are), kept while a project lists the folder; a folder VS Code's
// watcher covers reports twice, which the registry's pending set and debounce absorb.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export class VersionFolderWatchers implements vscode.Disposable {
  /** By `recursive\0folder`. */
  private readonly watchers = new Map<string, vscode.Disposable>();

  constructor(private readonly onFile: (file: string) => void) {}

  /** Watches exactly these folders from now on (each with its recursion), keeping the ones already there. */
  watch(folders: ReadonlyArray<{ folder: string; recursive: boolean }>): void {
    const wanted = new Map(folders.map((f) => [`${f.recursive ? 'r' : 'f'}\0${f.folder}`, f]));
    for (const [key, watcher] of this.watchers)
      if (!wanted.has(key)) {
        watcher.dispose();
        this.watchers.delete(key);
      }
    for (const [key, { folder, recursive }] of wanted)
      if (!this.watchers.has(key)) this.watchers.set(key, this.watchFolder(folder, recursive));
  }

  dispose(): void {
    for (const watcher of this.watchers.values()) watcher.dispose();
    this.watchers.clear();
  }

  private watchFolder(folder: string, recursive: boolean): vscode.Disposable {
    // VS Code's watcher as well: Node's recursive watch is not everywhere, and a folder not there yet
    // (a wrong script_location) is one Node cannot watch.
    const glob = recursive ? '**/*.py' : '*.py';
    const vscodeWatcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(folder), glob),
    );
    const onUri = (uri: vscode.Uri): void => this.onFile(uri.fsPath);
    const parts: vscode.Disposable[] = [
      vscodeWatcher,
      vscodeWatcher.onDidCreate(onUri),
      vscodeWatcher.onDidChange(onUri),
      vscodeWatcher.onDidDelete(onUri),
    ];
    try {
      const nodeWatcher = fs.watch(folder, { recursive, persistent: false }, (_event, name) => {
        if (name?.endsWith('.py')) this.onFile(path.join(folder, name));
      });
      // The folder deleted, or the system's watch limit: VS Code's watcher and the rediscovery remain.
      nodeWatcher.on('error', () => nodeWatcher.close());
      parts.push({ dispose: () => nodeWatcher.close() });
    } catch {
      // Not there (yet), or recursion unsupported here: VS Code's watcher alone.
    }
    return vscode.Disposable.from(...parts);
  }
}
