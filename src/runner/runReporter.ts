// What a command run in the terminal did, told outside the terminal: every run is logged to the
// "Alembic" output channel (command line, start time, folder, exit code), and a failure also gets a
// notification with the line that says why and a way to the terminal.
import * as vscode from 'vscode';
import { maskSecrets } from '../core';
import { commandSummary, failureLine } from '../core/terminalOutput';
import { Disposable } from '../util/disposable';
import { type AlembicLog, timestamp } from './alembicLog';
import type { AlembicRunner, RunFinishedEvent } from './alembicTerminal';

export class RunReporter extends Disposable {
  constructor(
    private readonly runner: AlembicRunner,
    private readonly log: AlembicLog,
  ) {
    super();
    this.register(runner.onDidFinish((e) => this.finished(e)));
  }

  private finished(run: RunFinishedEvent): void {
    const outcome =
      run.exitCode !== undefined
        ? `exit code ${run.exitCode}`
        : run.mode === 'sendText'
          ? 'exit code unknown: no shell integration'
          : 'exit code unknown: the shell did not report it (terminal closed?)';
    const why = run.exitCode && run.output ? failureLine(run.output) : undefined;
    const lines = [`[${timestamp(run.startedAt)}] ${run.commandLine}`, `    in ${run.project.folder}: ${outcome}`];
    if (run.leftBusy) lines.push(`    in a new terminal: the last one still runs ${run.leftBusy}`);
    if (why) lines.push(`    ${why}`);
    this.log.append(lines.join('\n'));
    if (!run.exitCode) return;
    // Shown at once (not after an await), so that it belongs to the command that ran.
    const message = `${commandSummary(run.argv)} failed${why ? `: ${why}` : ` (exit code ${run.exitCode})`}`;
    void vscode.window.showErrorMessage(maskSecrets(message), 'Show Terminal').then((choice) => {
      if (choice) this.runner.terminalOf(run.project)?.show();
    });
  }
}
