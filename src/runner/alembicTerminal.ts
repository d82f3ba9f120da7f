// Runs Alembic commands for the user in a VS Code terminal: one terminal per project ("Alembic", or
// "Alembic: <project>" when the workspace has several and VS Code does not show the project's folder),
// opened in the project folder with the project's .env variables, one command at a time per project.
//
// How a command is typed: with shell integration (bash, zsh, fish, pwsh get it injected by VS Code),
// through `shellIntegration.executeCommand` (in a new terminal, once its first prompt is there), and the exit code comes back from
// `onDidEndTerminalShellExecution`, the command's output from the execution's `read()` stream. Without
// it (cmd.exe, a shell VS Code cannot inject into, integration turned off, or the shell slower to start
// than the wait below), the quoted line is typed with `sendText`
// and the result's `exitCode` is undefined: the command's outcome is then only visible through its effects
// (revision files, the database), which the views pick up from file watchers and a database re-read.
// The line is quoted for the terminal's shell (src/core/shellQuote.ts); nothing is ever built by
// concatenating user text into a command string.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type AlembicCommand, alembicArgv } from '../core/alembicCommand';
import { quoteCommandLine, type ShellKind, shellKindOf } from '../core/shellQuote';
import { projectKey } from '../projects/projectContext';
import { Disposable } from '../util/disposable';
import { alembicTarget, hostPathOf, resolveAlembicLaunch } from './alembicLauncher';
import type { AlembicCheck, InterpreterService } from './interpreter';
import { envFingerprint, readProjectEnv } from './projectEnv';

export interface RunnerProject {
  /** Shown in the terminal name when there are several projects. */
  name: string;
  /** The terminal's working directory: the folder of the config file. */
  folder: string;
  /** alembic.ini or pyproject.toml. */
  configFile: string;
  /** The ini section (`alembic` unless the project uses `-n`). */
  section: string;
  /**
   * The project's key (projectKey) when it differs from the one of configFile and section: a run with a
   * temporary copy of the config stays the project's (its terminal, its refresh).
   */
  key?: string;
}

export interface RunOptions {
  /** Extra environment variables, on top of the project's .env ones (they shape the terminal: see run()). */
  env?: Record<string, string>;
}

/** `shell-integration`: the exit code is known. `sendText`: typed blind, exitCode is undefined. */
export type RunMode = 'shell-integration' | 'sendText';

export interface RunResult {
  exitCode: number | undefined;
  mode: RunMode;
  /** What the command printed, raw (escape sequences included); only under shell integration. */
  output?: string;
  /** A path the command printed, on the host (it ran in a container when alembic.command says so). */
  hostPath?: (printed: string) => string;
}

export interface RunFinishedEvent extends RunResult {
  project: RunnerProject;
  argv: readonly string[];
  /** The line typed in the terminal, quoted for its shell. */
  commandLine: string;
  startedAt: Date;
  /** Set when the project's terminal was left to what still ran there (a command the user typed), and a new one made. */
  leftBusy?: string;
}

/** Alembic cannot run for a project: the message says what was tried and how to fix it. */
export class AlembicUnavailableError extends Error {
  constructor(readonly check: AlembicCheck & { ok: false }) {
    super(check.message);
    this.name = 'AlembicUnavailableError';
  }
}

export interface AlembicRunnerOptions {
  /** How long a new terminal gets to report shell integration before the runner types blind (ms). */
  shellIntegrationTimeoutMs?: number;
  /** How many Alembic projects the workspace has: with more than one, terminals are named per project. */
  projectCount?: () => number;
}

interface Slot {
  /** The tail of this project's command queue. */
  queue: Promise<unknown>;
  terminal?: vscode.Terminal;
  envFingerprint?: string;
}

/**
 * How long a new terminal's shell gets to report shell integration: its start-up files run first, and a
 * loaded machine was seen to take over 5 s. Typing blind too early costs the exit code and the output.
 */
const DEFAULT_SHELL_INTEGRATION_TIMEOUT_MS = 15000;
/** The wait where integration is not expected: turned off in the settings, or absent from a terminal already used. */
const UNEXPECTED_INTEGRATION_TIMEOUT_MS = 1000;
/** How long a new terminal's shell gets to reach its first prompt once shell integration is there. */
const FIRST_PROMPT_TIMEOUT_MS = 3000;
/** How long the output stream may lag behind the end of the execution. */
const OUTPUT_GRACE_MS = 2000;
/** The output kept per command: its end is what says how it ended. */
const MAX_OUTPUT_CHARS = 256 * 1024;

export class AlembicRunner extends Disposable {
  private readonly slots = new Map<string, Slot>();
  /** Shell executions running in the runner's terminals, ours or typed by the user. */
  private readonly running = new Map<vscode.Terminal, Set<vscode.TerminalShellExecution>>();
  /** Each terminal's shell as seen at its prompt: `state.shell` later names whatever runs in the foreground. */
  private readonly shells = new WeakMap<vscode.Terminal, ShellKind>();
  private readonly finishEmitter = this.register(new vscode.EventEmitter<RunFinishedEvent>());
  /** Fires after each command: with its exit code under shell integration, right after typing it otherwise. */
  readonly onDidFinish = this.finishEmitter.event;

  constructor(
    private readonly interpreters?: InterpreterService,
    private readonly options: AlembicRunnerOptions = {},
  ) {
    super();
    this.register(vscode.window.onDidCloseTerminal((t) => this.terminalClosed(t)));
    this.register(
      vscode.window.onDidStartTerminalShellExecution((e) => this.running.get(e.terminal)?.add(e.execution)),
    );
    this.register(
      vscode.window.onDidEndTerminalShellExecution((e) => this.running.get(e.terminal)?.delete(e.execution)),
    );
    this.register({
      dispose: () => {
        for (const slot of this.slots.values()) slot.terminal?.dispose();
        this.slots.clear();
      },
    });
  }

  /**
   * Resolves how Alembic runs (alembic.command, else the interpreter, checked to have Alembic) and runs the command.
   * Rejects with AlembicUnavailableError (an actionable message) when Alembic cannot run.
   */
  async runCommand(project: RunnerProject, command: AlembicCommand, options?: RunOptions): Promise<RunResult> {
    if (!this.interpreters) throw new Error('AlembicRunner.runCommand needs an InterpreterService');
    const launch = await resolveAlembicLaunch(this.interpreters, project.folder);
    const result = await this.run(project, alembicArgv(alembicTarget(launch, project), command), options);
    return { ...result, hostPath: (printed) => hostPathOf(launch, printed) };
  }

  /**
   * Runs `argv` in the project's terminal, after the commands already queued for that project.
   * The terminal is (re)created when missing, closed, busy with a command the user typed, or when its
   * environment (the .env file's variables plus options.env) changed.
   */
  run(project: RunnerProject, argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    if (!vscode.workspace.isTrusted) {
      return Promise.reject(
        new Error('Alembic Lens runs no commands in an untrusted workspace. Trust the workspace to run Alembic.'),
      );
    }
    const key = slotKey(project);
    let slot = this.slots.get(key);
    if (!slot) this.slots.set(key, (slot = { queue: Promise.resolve() }));
    const s = slot;
    const result = s.queue.then(() => this.runNow(s, project, argv, options));
    s.queue = result.catch(() => undefined);
    return result;
  }

  /** The project's terminal, if it is open. */
  terminalOf(project: RunnerProject): vscode.Terminal | undefined {
    return this.slots.get(slotKey(project))?.terminal;
  }

  private async runNow(
    slot: Slot,
    project: RunnerProject,
    argv: readonly string[],
    options: RunOptions,
  ): Promise<RunResult> {
    // Read again at every start: a terminal never runs with variables older than the file.
    const { env } = readProjectEnv(project.folder);
    const terminalEnv = { ...env, ...options.env };
    const reused = slot.terminal;
    const leftBusy = this.runningIn(reused);
    const terminal = this.terminalFor(slot, project, terminalEnv);
    terminal.show(true);
    const startedAt = new Date();

    const expected =
      terminal !== reused &&
      vscode.workspace.getConfiguration('terminal.integrated').get<boolean>('shellIntegration.enabled', true);
    const integration = await waitForShellIntegration(
      terminal,
      expected
        ? (this.options.shellIntegrationTimeoutMs ?? DEFAULT_SHELL_INTEGRATION_TIMEOUT_MS)
        : UNEXPECTED_INTEGRATION_TIMEOUT_MS,
    );
    if (integration && terminal !== reused) await waitForFirstPrompt(terminal, FIRST_PROMPT_TIMEOUT_MS);
    const seen = shellKindOf(terminal.state.shell);
    if (seen) this.shells.set(terminal, seen);
    const commandLine = quoteCommandLine(argv, seen ?? shellKindOfTerminal(terminal, this.shells.get(terminal)));
    let result: RunResult;
    if (integration) {
      result = { ...(await this.execute(terminal, integration, commandLine)), mode: 'shell-integration' };
    } else {
      terminal.sendText(commandLine, true);
      result = { exitCode: undefined, mode: 'sendText' };
    }
    this.finishEmitter.fire({ project, argv, commandLine, startedAt, ...result, leftBusy });
    return result;
  }

  /** What runs in `terminal` as its shell reports it, or undefined when nothing does. */
  private runningIn(terminal: vscode.Terminal | undefined): string | undefined {
    const executions = terminal && terminal.exitStatus === undefined ? [...(this.running.get(terminal) ?? [])] : [];
    if (!executions.length) return undefined;
    return executions
      .map((e) => e.commandLine.value.trim() || 'a command whose line the shell did not report')
      .join('; ');
  }

  private terminalFor(slot: Slot, project: RunnerProject, env: Record<string, string>): vscode.Terminal {
    const fingerprint = envFingerprint(env);
    const current = slot.terminal;
    if (current && current.exitStatus === undefined) {
      const busy = this.runningIn(current) !== undefined;
      if (!busy && slot.envFingerprint === fingerprint) return current;
      // A command the user typed is still running there: leave that terminal to them.
      if (!busy) current.dispose();
      this.running.delete(current);
    }
    const terminal = vscode.window.createTerminal({
      name: this.terminalName(project),
      cwd: project.folder,
      env,
      iconPath: new vscode.ThemeIcon('database'),
    });
    slot.terminal = terminal;
    slot.envFingerprint = fingerprint;
    this.running.set(terminal, new Set());
    return terminal;
  }

  private terminalName(project: RunnerProject): string {
    const count = this.options.projectCount?.() ?? this.slots.size;
    if (count <= 1) return 'Alembic';
    // VS Code already appends the folder to a terminal whose folder is not the workspace folder
    // ("Alembic - backend"): the project's name would say it twice.
    const folderShown =
      (vscode.workspace.workspaceFolders?.length ?? 0) > 1 ||
      !vscode.workspace.workspaceFolders?.some((f) => path.resolve(f.uri.fsPath) === path.resolve(project.folder));
    return folderShown && project.name === path.basename(project.folder) ? 'Alembic' : `Alembic: ${project.name}`;
  }

  /**
   * executeCommand, then the exit code from the matching end event (undefined if the terminal closes
   * first) and what the command printed.
   */
  private async execute(
    terminal: vscode.Terminal,
    integration: vscode.TerminalShellIntegration,
    commandLine: string,
  ): Promise<{ exitCode: number | undefined; output: string }> {
    let output: Promise<string> = Promise.resolve('');
    const exitCode = await new Promise<number | undefined>((resolve) => {
      let execution: vscode.TerminalShellExecution | undefined;
      const subscriptions: vscode.Disposable[] = [];
      const done = (code: number | undefined): void => {
        subscriptions.forEach((d) => d.dispose());
        resolve(code);
      };
      subscriptions.push(
        vscode.window.onDidEndTerminalShellExecution((e) => {
          if (execution && e.execution === execution) done(e.exitCode);
        }),
        vscode.window.onDidCloseTerminal((t) => {
          if (t === terminal) done(undefined);
        }),
      );
      execution = integration.executeCommand(commandLine);
      // Read at once: the stream only has what is written after the first read().
      output = readOutput(execution.read());
      this.running.get(terminal)?.add(execution);
    });
    return { exitCode, output: await withTimeout(output, OUTPUT_GRACE_MS, '') };
  }

  private terminalClosed(terminal: vscode.Terminal): void {
    this.running.delete(terminal);
    for (const slot of this.slots.values()) {
      if (slot.terminal === terminal) slot.terminal = undefined;
    }
  }
}

/** The stream's text, up to its end; only the last MAX_OUTPUT_CHARS are kept. */
async function readOutput(stream: AsyncIterable<string>): Promise<string> {
  let text = '';
  try {
    for await (const chunk of stream) {
      text += chunk;
      if (text.length > 2 * MAX_OUTPUT_CHARS) text = text.slice(-MAX_OUTPUT_CHARS);
    }
  } catch {
    // the terminal went away: keep what was read
  }
  return text.slice(-MAX_OUTPUT_CHARS);
}

function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Resolves with the terminal's shell integration, or undefined when it has not appeared within `timeoutMs`. */
export function waitForShellIntegration(
  terminal: vscode.Terminal,
  timeoutMs: number,
): Promise<vscode.TerminalShellIntegration | undefined> {
  return waitForTerminal(terminal, timeoutMs, () => terminal.shellIntegration);
}

/**
 * Resolves once a new terminal's shell reports its folder, which the shell integration scripts do just
 * before they draw the first prompt (or after `timeoutMs`). Shell integration appears earlier, while the
 * shell still runs its start-up files: a line sent then is echoed by the terminal, and once more by the
 * prompt's line editor.
 */
async function waitForFirstPrompt(terminal: vscode.Terminal, timeoutMs: number): Promise<void> {
  await waitForTerminal(terminal, timeoutMs, () => terminal.shellIntegration?.cwd);
}

/**
 * `check()` as soon as it is truthy: now, or after a change of the terminal's shell integration; what it
 * gives after `timeoutMs`; undefined when the terminal closes first.
 */
function waitForTerminal<T>(
  terminal: vscode.Terminal,
  timeoutMs: number,
  check: () => T | undefined,
): Promise<T | undefined> {
  const now = check();
  if (now) return Promise.resolve(now);
  return new Promise((resolve) => {
    const subscriptions: vscode.Disposable[] = [];
    const done = (value: T | undefined): void => {
      clearTimeout(timer);
      subscriptions.forEach((d) => d.dispose());
      resolve(value);
    };
    const timer = setTimeout(() => done(check()), timeoutMs);
    subscriptions.push(
      vscode.window.onDidChangeTerminalShellIntegration((e) => {
        const value = e.terminal === terminal ? check() : undefined;
        if (value) done(value);
      }),
      vscode.window.onDidCloseTerminal((t) => {
        if (t === terminal) done(undefined);
      }),
    );
  });
}

/**
 * The shell a terminal runs, for quoting: VS Code's detection (`terminal.state.shell`, which in VS Code
 * 1.100 names the foreground process: `python` for a moment after a Python command ended, so only shell
 * names count), else the shell seen there before, else the shell it was created with, else the default
 * shell; POSIX sh rules when none is known (on Windows, PowerShell's).
 */
export function shellKindOfTerminal(terminal: vscode.Terminal, seenBefore?: ShellKind): ShellKind {
  const creation = terminal.creationOptions as vscode.TerminalOptions;
  return (
    shellKindOf(terminal.state.shell) ??
    seenBefore ??
    shellKindOf(creation.shellPath) ??
    shellKindOf(vscode.env.shell) ??
    (process.platform === 'win32' ? 'pwsh' : 'sh')
  );
}

function slotKey(project: RunnerProject): string {
  return project.key ?? projectKey(project);
}
