// "Alembic: Initialize Alembic in Folder...": runs `alembic init`, then wires env.py to the app's models
// and database URL so that the first autogenerate is not empty. "Create alembic.ini for a Scripts Folder...":
// a scripts folder whose configuration the application builds in code gets a config file to be read from.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { alembicInitArgv } from '../core/alembicCommand';
import { DEPENDENCY_FOLDERS } from '../core/dependencyFolders';
import {
  configFolderFor,
  configForScripts,
  findAppModels,
  type PythonModuleText,
  setIniUrl,
  wireEnvPy,
} from '../core/initWiring';
import type { ProjectRegistry } from '../projects/projectRegistry';
import { resolveAlembicLaunch } from '../runner/alembicLauncher';
import type { AlembicRunner } from '../runner/alembicTerminal';
import type { InterpreterService } from '../runner/interpreter';

/** Besides the dependency folders: migrations folders, whose env.py and revisions are no app module. */
const SKIP_DIRS = new Set([...DEPENDENCY_FOLDERS, 'alembic', 'migrations']);
const MAX_FILES = 2000;

export async function initializeAlembic(runner: AlembicRunner, interpreters: InterpreterService): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('Alembic Lens runs Alembic only in a trusted workspace.');
    return;
  }
  const folder = await pickFolder();
  if (!folder) return;
  const ini = path.join(folder, 'alembic.ini');
  if (fs.existsSync(ini)) {
    void vscode.window.showWarningMessage(
      `${vscode.workspace.asRelativePath(ini)} already exists: Alembic is initialized there.`,
    );
    return;
  }
  const directory = await vscode.window.showInputBox({
    title: 'Initialize Alembic',
    prompt: `The migrations folder to create in ${vscode.workspace.asRelativePath(folder)}`,
    value: 'alembic',
    validateInput: (value) =>
      !value.trim()
        ? 'A folder name is needed'
        : fs.existsSync(path.join(folder, value.trim()))
          ? `${value.trim()} already exists`
          : undefined,
  });
  if (!directory) return;

  const launch = await resolveAlembicLaunch(interpreters, folder);
  const project = { name: path.basename(folder), folder, configFile: ini, section: 'alembic' };
  const result = await runner.run(project, alembicInitArgv(launch.command, directory.trim()));
  // A failure was reported with the runner's finish event.
  if (result.exitCode) return;
  const envPy = path.join(folder, directory.trim(), 'env.py');
  if (!(await waitForFile(envPy, result.exitCode === undefined ? 30000 : 2000))) {
    void vscode.window.showErrorMessage('alembic init did not create env.py: see the Alembic terminal.');
    return;
  }

  const models = findAppModels(readAppModules(folder));
  const notes: string[] = [];
  const envText = fs.readFileSync(envPy, 'utf8');
  const wired = wireEnvPy(envText, models);
  if (wired !== envText) fs.writeFileSync(envPy, wired);
  notes.push(
    models.base
      ? `target_metadata = ${models.base.name}.metadata (from ${models.base.module})`
      : 'no declarative Base found: set target_metadata in env.py yourself',
  );
  if (models.urlDefault && fs.existsSync(ini)) {
    const iniText = fs.readFileSync(ini, 'utf8');
    const updated = setIniUrl(iniText, models.urlDefault);
    if (updated !== iniText) {
      fs.writeFileSync(ini, updated);
      notes.push(`sqlalchemy.url = the app's default URL`);
    }
  }
  if (models.urlVariable) notes.push(`$${models.urlVariable} overrides it, as in the app`);
  if (!models.urlDefault && !models.urlVariable) notes.push('no database URL found: set sqlalchemy.url in alembic.ini');
  await vscode.window.showTextDocument(vscode.Uri.file(envPy));
  void vscode.window.showInformationMessage(
    `Alembic initialized in ${vscode.workspace.asRelativePath(path.join(folder, directory.trim()))}: ${notes.join('; ')}.`,
  );
}

/** Writes an alembic.ini naming a scripts folder no config names, after a confirmation that shows it. */
export async function createConfigForScripts(registry: ProjectRegistry): Promise<void> {
  await registry.whenIdle();
  const folders = registry.unconfiguredScripts();
  const picked =
    folders.length > 1
      ? (
          await vscode.window.showQuickPick(
            folders.map((folder) => ({ label: vscode.workspace.asRelativePath(folder), folder })),
            { title: 'Create alembic.ini for a Scripts Folder' },
          )
        )?.folder
      : folders[0];
  if (!picked) {
    if (!folders.length) void vscode.window.showInformationMessage('Every Alembic scripts folder here has a config.');
    return;
  }
  const workspaceFolder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(picked))?.uri.fsPath ?? picked;
  const ini = path.join(
    configFolderFor(picked, workspaceFolder, (file) => fs.existsSync(file)),
    'alembic.ini',
  );
  if (fs.existsSync(ini)) {
    void vscode.window.showWarningMessage(
      `${vscode.workspace.asRelativePath(ini)} already exists: add a section for ${vscode.workspace.asRelativePath(picked)} to it yourself.`,
    );
    return;
  }
  const text = configForScripts(picked, path.dirname(ini));
  if (!text) {
    void vscode.window.showWarningMessage(
      `${vscode.workspace.asRelativePath(picked)}: an ini value cannot hold this folder's path (a line break, or spaces at an end). Write its alembic.ini yourself.`,
    );
    return;
  }
  const create = 'Create alembic.ini';
  const choice = await vscode.window.showWarningMessage(
    `Create ${vscode.workspace.asRelativePath(ini)} for ${vscode.workspace.asRelativePath(picked)}?`,
    { modal: true, detail: `A new file, nothing else changed:\n\n${text}` },
    create,
  );
  if (choice !== create) return;
  // `wx`: never overwrite a file that appeared meanwhile.
  fs.writeFileSync(ini, text, { flag: 'wx' });
  await vscode.window.showTextDocument(vscode.Uri.file(ini));
}

async function pickFolder(): Promise<string | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const items: Array<vscode.QuickPickItem & { folder?: string }> = folders.map((f) => ({
    label: f.name,
    description: f.uri.fsPath,
    folder: f.uri.fsPath,
  }));
  items.push({ label: '$(folder-opened) Other Folder...', description: 'choose a subfolder' });
  const picked = folders.length
    ? await vscode.window.showQuickPick(items, {
        title: 'Initialize Alembic in Folder...',
        placeHolder: "Where alembic.ini goes (usually the app's root)",
      })
    : items[items.length - 1];
  if (!picked) return undefined;
  if (picked.folder) return picked.folder;
  const chosen = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: 'Initialize Alembic Here',
    defaultUri: folders[0]?.uri,
  });
  return chosen?.[0]?.fsPath;
}

/** The app's Python modules under `folder`, named as imports from there (folder is on sys.path). */
function readAppModules(folder: string): PythonModuleText[] {
  const out: PythonModuleText[] = [];
  const walk = (dir: string, parts: string[]): void => {
    if (out.length >= MAX_FILES) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory() && !SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.'))
        walk(path.join(dir, entry.name), [...parts, entry.name]);
      else if (entry.isFile() && entry.name.endsWith('.py')) {
        const name = entry.name === '__init__.py' ? parts : [...parts, entry.name.slice(0, -3)];
        if (!name.length || !name.every((p) => /^[A-Za-z_]\w*$/.test(p))) continue;
        try {
          out.push({ module: name.join('.'), text: fs.readFileSync(path.join(dir, entry.name), 'utf8') });
        } catch {
          // unreadable file: not a model module we can use
        }
      }
    }
  };
  walk(folder, []);
  return out;
}

/**
 * Whether `file` is there, or appears within `timeoutMs` (a command typed without shell integration, a
 * container's bind mount): the file watchers say so, nothing polls the disk.
 */
function waitForFile(file: string, timeoutMs: number): Promise<boolean> {
  if (fs.existsSync(file)) return Promise.resolve(true);
  // A workspace-wide pattern: the folder that will hold the file does not exist yet.
  const watcher = vscode.workspace.createFileSystemWatcher(`**/${path.basename(file)}`, false, true, true);
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(fs.existsSync(file)), timeoutMs);
    watcher.onDidCreate((uri) => {
      if (path.resolve(uri.fsPath) !== path.resolve(file)) return;
      clearTimeout(timer);
      resolve(true);
    });
  }).finally(() => watcher.dispose());
}
