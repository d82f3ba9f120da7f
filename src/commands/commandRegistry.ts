// The one place commands are registered: each handler runs inside the same error handler, which turns
// a failure into a clear message (secrets masked), logs it to the "Alembic" output channel, and never
// lets a rejection escape unhandled. Every registration is disposed with the registry.
import * as vscode from 'vscode';
import { maskSecrets } from '../core';
import { type AlembicLog, timestamp } from '../runner/alembicLog';
import { AlembicUnavailableError } from '../runner/alembicTerminal';
import { Disposable } from '../util/disposable';

export type CommandHandler = (...args: never[]) => unknown;

export class CommandRegistry extends Disposable {
  constructor(private readonly log: AlembicLog) {
    super();
  }

  /** Registers each command of `table` (id to handler) behind the error handler. */
  add(table: Record<string, CommandHandler>): void {
    for (const [id, handler] of Object.entries(table)) {
      this.register(vscode.commands.registerCommand(id, (...args: never[]) => this.guard(id, () => handler(...args))));
    }
  }

  /** Runs `run`, reporting its failure; `what` names it in the log (a command id, a webview message). */
  async guard(what: string, run: () => unknown): Promise<void> {
    try {
      await run();
    } catch (err) {
      this.failed(what, err);
    }
  }

  private failed(what: string, err: unknown): void {
    const unavailable = err instanceof AlembicUnavailableError;
    const message = err instanceof Error ? err.message : String(err);
    const details = err instanceof Error && !unavailable ? (err.stack ?? message) : message;
    this.log.append(`[${timestamp(new Date())}] ${what} failed: ${details}`);
    const shown = maskSecrets(unavailable ? message : `Alembic Lens: ${message}`);
    const action = unavailable ? 'Set Python Path' : 'Show Log';
    void vscode.window.showErrorMessage(shown, action).then((choice) => {
      if (choice === 'Set Python Path') {
        // The Workspace tab: the interpreter is the project's, and a remote window lists this machine-
        // overridable setting under Remote / Workspace only (the User tab shows "No Settings Found").
        const command = vscode.workspace.workspaceFolders?.length
          ? 'workbench.action.openWorkspaceSettings'
          : 'workbench.action.openSettings';
        void vscode.commands.executeCommand(command, 'alembic.pythonPath');
      } else if (choice === 'Show Log') this.log.show();
    });
  }
}
