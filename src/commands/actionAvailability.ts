// Which actions apply now, as context keys for the `when` clauses of menus and the palette, computed from
// the real state: `alembic.state` (loading, ready, noProject), `alembic.scriptsWithoutConfig` (a scripts
// folder no config names) and `alembic.canDowngrade` (some project's database stands on a revision). The
// values are kept for the extension's test API.
import * as vscode from 'vscode';
import type { DatabaseStatusService } from '../database/databaseStatus';
import type { ProjectRegistry } from '../projects/projectRegistry';
import { Disposable } from '../util/disposable';

export class ActionAvailability extends Disposable {
  private readonly values: Record<string, unknown> = {};

  constructor(
    private readonly registry: ProjectRegistry,
    private readonly database: DatabaseStatusService,
  ) {
    super();
    this.register(registry.onDidChange(() => this.update()));
    this.register(database.onDidChange(() => this.update()));
    this.set('alembic.state', 'loading');
    this.set('alembic.canDowngrade', false);
  }

  /** The context keys as last set (tests). */
  contextKeys(): Record<string, unknown> {
    return { ...this.values };
  }

  private update(): void {
    const projects = this.registry.getProjects();
    this.set('alembic.state', projects.length ? 'ready' : 'noProject');
    this.set('alembic.scriptsWithoutConfig', this.registry.unconfiguredScripts().length > 0);
    this.set(
      'alembic.canDowngrade',
      projects.some((p) => !!this.database.stateOf(p)?.current.length),
    );
  }

  private set(key: string, value: unknown): void {
    if (this.values[key] === value) return;
    this.values[key] = value;
    void vscode.commands.executeCommand('setContext', key, value);
  }
}
