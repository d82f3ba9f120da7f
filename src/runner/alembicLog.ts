// The "Alembic" output channel: what ran (the command line), when, in which folder and how it ended, and
// the errors of the extension's commands. Every line is masked before it is written; the recent lines
// are kept for the extension's test API.
import * as vscode from 'vscode';
import { maskSecrets } from '../core';
import { Disposable } from '../util/disposable';

const KEPT_LINES = 500;

export class AlembicLog extends Disposable {
  private readonly channel = this.register(vscode.window.createOutputChannel('Alembic'));
  private readonly recent: string[] = [];

  append(text: string): void {
    for (const line of maskSecrets(text).split('\n')) {
      this.channel.appendLine(line);
      this.recent.push(line);
    }
    if (this.recent.length > KEPT_LINES) this.recent.splice(0, this.recent.length - KEPT_LINES);
  }

  show(): void {
    this.channel.show(true);
  }

  /** The lines written lately, oldest first (tests). */
  lines(): string[] {
    return [...this.recent];
  }
}

/** "2026-12-04 14:02:03", local time: how a log line says when. */
export function timestamp(date: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  const day = `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
  return `${day} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}
