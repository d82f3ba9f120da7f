// Which Python runs Alembic for a project folder, and whether Alembic is importable there.
//
// Order (first that gives an interpreter wins):
//   1. setting `alembic.pythonPath`: an explicit choice for Alembic, so it beats everything else
//   2. the Python extension's active environment for the folder (@vscode/python-extension)
//   3. setting `python.defaultInterpreterPath`, unless it is the default `python`
//   4. a `.venv`, `venv` or `env` folder in the project folder, then in its workspace folder
//   5. `python3`, then `python`, on PATH
// A failed check names what was tried and how to fix it (select an interpreter, `pip install alembic`,
// set `alembic.pythonPath`): the user never meets a Python traceback in a terminal instead.

import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { PythonExtension } from '@vscode/python-extension';
import * as vscode from 'vscode';
import { findOnPath, findVenvPython } from '../core/pythonLookup';
import { Disposable } from '../util/disposable';
import { resolveSettingPath } from './projectEnv';

export type InterpreterSource = 'setting' | 'python-extension' | 'python.defaultInterpreterPath' | 'venv' | 'PATH';

export interface ResolvedInterpreter {
  /** The executable to run. */
  path: string;
  source: InterpreterSource;
  /** What was looked at, in order, for messages: e.g. `alembic.pythonPath (not set)`. */
  tried: string[];
}

export type AlembicCheck =
  | { ok: true; python: string; alembicVersion: string; sqlalchemyVersion: string }
  | { ok: false; reason: 'no-python' | 'no-alembic' | 'error'; message: string };

const PYTHON_EXTENSION_ID = 'ms-python.python';
const CHECK_TIMEOUT_MS = 20000;
const CHECK_SCRIPT = 'import alembic, sqlalchemy; print(alembic.__version__, sqlalchemy.__version__)';
const SOURCE_LABEL: Record<InterpreterSource, string> = {
  setting: 'the setting alembic.pythonPath',
  'python-extension': "the Python extension's selected interpreter",
  'python.defaultInterpreterPath': 'the setting python.defaultInterpreterPath',
  venv: 'a virtual environment in the project',
  PATH: 'PATH',
};

export interface InterpreterServiceOptions {
  /** Ask the Python extension when it is installed (default true). Tests turn it off. */
  usePythonExtension?: boolean;
}

export class InterpreterService extends Disposable {
  private readonly changeEmitter = this.register(new vscode.EventEmitter<void>());
  /** Fires when the interpreter of some folder may have changed (Python extension or settings). */
  readonly onDidChangeInterpreter = this.changeEmitter.event;
  /** Successful checks only: a failure is checked again next time, so `pip install alembic` is seen at once. */
  private readonly checks = new Map<string, Promise<AlembicCheck>>();
  private pythonApi?: Promise<PythonExtension | undefined>;

  constructor(private readonly options: InterpreterServiceOptions = {}) {
    super();
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        const keys = ['alembic.pythonPath', 'alembic.command', 'python.defaultInterpreterPath'];
        if (keys.some((key) => e.affectsConfiguration(key))) this.changed();
      }),
    );
    this.register(
      vscode.extensions.onDidChange(() => {
        // The Python extension may have been installed, enabled or removed.
        if (!this.pythonApi) return;
        this.pythonApi = undefined;
        this.changed();
      }),
    );
  }

  /** The interpreter for a project folder (never fails: the last resort is `python3` on PATH, checked later). */
  async resolve(folder: string): Promise<ResolvedInterpreter> {
    const uri = vscode.Uri.file(folder);
    const workspaceFolder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
    const tried: string[] = [];

    const setting = vscode.workspace.getConfiguration('alembic', uri).get<string>('pythonPath', '').trim();
    if (setting)
      return {
        path: resolveSettingPath(setting, workspaceFolder ?? folder, workspaceFolder),
        source: 'setting',
        tried: [...tried, `alembic.pythonPath (${setting})`],
      };
    tried.push('alembic.pythonPath (not set)');

    const fromExtension = await this.fromPythonExtension(uri);
    if (fromExtension)
      return {
        path: fromExtension,
        source: 'python-extension',
        tried: [...tried, `the Python extension (${fromExtension})`],
      };
    tried.push(
      this.options.usePythonExtension === false || !vscode.extensions.getExtension(PYTHON_EXTENSION_ID)
        ? 'the Python extension (not installed)'
        : 'the Python extension (no interpreter selected)',
    );

    const defaultPath = vscode.workspace
      .getConfiguration('python', uri)
      .get<string>('defaultInterpreterPath', '')
      .trim();
    if (defaultPath && defaultPath !== 'python') {
      return {
        path: resolveSettingPath(defaultPath, workspaceFolder ?? folder, workspaceFolder),
        source: 'python.defaultInterpreterPath',
        tried: [...tried, `python.defaultInterpreterPath (${defaultPath})`],
      };
    }
    tried.push('python.defaultInterpreterPath (not set)');

    const dirs = [
      folder,
      ...(workspaceFolder && path.resolve(workspaceFolder) !== path.resolve(folder) ? [workspaceFolder] : []),
    ];
    const venv = findVenvPython(dirs);
    if (venv) return { path: venv, source: 'venv', tried: [...tried, `virtual environment ${venv}`] };
    tried.push(`.venv, venv, env in ${dirs.join(' and ')} (none)`);

    const onPath = findOnPath(['python3', 'python']);
    tried.push(onPath ? `python3, python on PATH (${onPath})` : 'python3, python on PATH (not found)');
    return { path: onPath ?? 'python3', source: 'PATH', tried };
  }

  /** Whether `python` can import Alembic and SQLAlchemy; the versions when it can. */
  checkAlembic(interpreter: ResolvedInterpreter | string): Promise<AlembicCheck> {
    const resolved: ResolvedInterpreter =
      typeof interpreter === 'string' ? { path: interpreter, source: 'setting', tried: [] } : interpreter;
    if (!vscode.workspace.isTrusted) {
      return Promise.resolve({
        ok: false,
        reason: 'error',
        message: 'Alembic Lens runs no Python in an untrusted workspace. Trust the workspace to run Alembic commands.',
      });
    }
    const cached = this.checks.get(resolved.path);
    if (cached) return cached;
    const check = runCheck(resolved);
    this.checks.set(resolved.path, check);
    void check.then((result) => {
      if (!result.ok && this.checks.get(resolved.path) === check) this.checks.delete(resolved.path);
    });
    return check;
  }

  /** Resolve, then check: what a command needs before it runs Alembic for a folder. */
  async resolveAndCheck(folder: string): Promise<{ interpreter: ResolvedInterpreter; check: AlembicCheck }> {
    const interpreter = await this.resolve(folder);
    return { interpreter, check: await this.checkAlembic(interpreter) };
  }

  /** Forget every check (e.g. after the user installed packages). */
  invalidate(): void {
    this.checks.clear();
  }

  private changed(): void {
    this.invalidate();
    this.changeEmitter.fire();
  }

  private async fromPythonExtension(uri: vscode.Uri): Promise<string | undefined> {
    if (this.options.usePythonExtension === false || !vscode.extensions.getExtension(PYTHON_EXTENSION_ID))
      return undefined;
    this.pythonApi ??= this.connectPythonExtension();
    const api = await this.pythonApi;
    if (!api) return undefined;
    try {
      const active = api.environments.getActiveEnvironmentPath(uri);
      const env = await api.environments.resolveEnvironment(active);
      // An environment without an executable (e.g. a conda env without Python) is no interpreter.
      return env?.executable.uri?.fsPath;
    } catch {
      return undefined;
    }
  }

  private async connectPythonExtension(): Promise<PythonExtension | undefined> {
    try {
      const api = await PythonExtension.api();
      this.register(api.environments.onDidChangeActiveEnvironmentPath(() => this.changed()));
      return api;
    } catch {
      // Not installed, disabled, or failed to activate: the other sources still work.
      return undefined;
    }
  }
}

/** Runs the import check (no shell) and turns every way it can fail into an actionable message. */
function runCheck(interpreter: ResolvedInterpreter): Promise<AlembicCheck> {
  const python = interpreter.path;
  return new Promise((resolve) => {
    execFile(
      python,
      ['-c', CHECK_SCRIPT],
      { timeout: CHECK_TIMEOUT_MS, windowsHide: true, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) {
          const [alembicVersion = '', sqlalchemyVersion = ''] = stdout.trim().split(/\s+/);
          resolve({ ok: true, python, alembicVersion, sqlalchemyVersion });
          return;
        }
        resolve(describeFailure(interpreter, error, stderr));
      },
    );
  });
}

/** The failure of the import check as a message saying what was tried and what to do. */
export function describeFailure(
  interpreter: ResolvedInterpreter,
  error: { code?: string | number | null; killed?: boolean; message: string },
  stderr: string,
): AlembicCheck & { ok: false } {
  const python = interpreter.path;
  const from = SOURCE_LABEL[interpreter.source];
  const tried = interpreter.tried.length ? ` Looked at: ${interpreter.tried.join('; ')}.` : '';
  const choose =
    'select the interpreter that has it ("Python: Select Interpreter" with the Python extension) or set alembic.pythonPath';
  const missingModule = /No module named '?(alembic|sqlalchemy)\b/.exec(stderr);
  // pyenv's shim exits 127 with "command not found" when the selected version lacks the command.
  const notFound =
    error.code === 'ENOENT' ||
    error.code === 'EACCES' ||
    error.code === 127 ||
    /command not found|No such file or directory/.test(stderr);
  if (missingModule) {
    const pkg = missingModule[1];
    return {
      ok: false,
      reason: 'no-alembic',
      message:
        `${pkg === 'alembic' ? 'Alembic' : 'SQLAlchemy'} is not installed for the Python interpreter ${python} (from ${from}). ` +
        `Install it into that environment (\`${python} -m pip install alembic\`), or ${choose}.${tried}`,
    };
  }
  if (notFound) {
    return {
      ok: false,
      reason: 'no-python',
      message:
        `No Python interpreter at ${python} (from ${from}). Select an interpreter ("Python: Select Interpreter" with the Python extension), ` +
        `set alembic.pythonPath to a Python that has Alembic installed, or create a .venv in the project.${tried}`,
    };
  }
  if (error.killed) {
    return {
      ok: false,
      reason: 'error',
      message: `${python} did not answer within ${CHECK_TIMEOUT_MS / 1000} s when asked for its Alembic version; ${choose}.${tried}`,
    };
  }
  const lastLine = stderr.trim().split(/\r?\n/).pop() || error.message;
  return {
    ok: false,
    reason: 'error',
    message: `${python} (from ${from}) cannot import Alembic: ${lastLine}. Fix that environment, or ${choose}.${tried}`,
  };
}
