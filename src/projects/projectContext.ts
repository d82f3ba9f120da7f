// A project's identity and context, computed in one place: its stable key, its folder, its `alembic.*`
// settings, its `.env` and the database URL Alembic would use (with its typed source). The registry
// keeps one ProjectContext per project and tells the views when a part of it changed.
// The URL is unmasked here: nothing may log or display it without `maskSecrets`.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Project } from '../core';
import { type ResolvedUrl, resolveDatabaseUrl } from '../core/urlSource';
import { type ProjectEnv, readProjectEnv } from '../runner/projectEnv';

/** What a registry event says changed. */
export type ProjectChangeKind =
  /** Projects were found again: some may be new, gone or reloaded (every other kind may have changed too). */
  | 'projects'
  /** Revision files: added, removed, edited, re-listed, or their syntax checked. */
  | 'revisions'
  /** The project's `alembic.*` settings. */
  | 'config'
  /** The variables of the project's `.env` (or whether it is loaded). */
  | 'environment'
  /** The database URL Alembic would use, or where it comes from. */
  | 'database';

export interface ProjectChange {
  /** The projects concerned: every project for 'projects'. */
  readonly projects: readonly Project[];
  readonly kinds: ReadonlySet<ProjectChangeKind>;
}

/** The identity of a project, stable across reloads: its config file and ini section. */
export function projectKey(project: { configFile: string; section: string } | Project): string {
  const { configFile, section } = 'config' in project ? project.config : project;
  return `${path.resolve(configFile)}:${section}`;
}

/** The folder a project's commands run in and its relative paths start from: the config file's. */
export function projectFolder(project: Project): string {
  return path.dirname(path.resolve(project.config.configFile));
}

export class ProjectContext {
  readonly key: string;
  readonly folder: string;
  private env?: ProjectEnv;
  private database?: ResolvedUrl;

  constructor(readonly project: Project) {
    this.key = projectKey(project);
    this.folder = projectFolder(project);
  }

  /** The project's `alembic.*` settings (folder settings win over the workspace's). */
  settings(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('alembic', vscode.Uri.file(this.folder));
  }

  /** The `.env` variables (settings `alembic.loadDotEnv`, `alembic.dotEnvPath`), read on first use. */
  dotenv(): ProjectEnv {
    this.env ??= readProjectEnv(this.folder);
    return this.env;
  }

  /** The database URL as last resolved (resolved on first use). */
  databaseUrl(): ResolvedUrl {
    this.database ??= this.resolve();
    return this.database;
  }

  /** Reads `.env` again (when it was read before; else on first use); true when its variables changed. */
  reloadEnv(): boolean {
    if (!this.env) return false;
    const before = JSON.stringify(this.env);
    this.env = readProjectEnv(this.folder);
    return JSON.stringify(this.env) !== before;
  }

  /** Resolves the URL again (env.py, a settings module may have changed); true when it or its source changed. */
  reresolve(): boolean {
    const before = this.database;
    this.database = this.resolve();
    return !!before && !sameResolution(before, this.database);
  }

  private resolve(): ResolvedUrl {
    const env = this.dotenv();
    try {
      return resolveDatabaseUrl({
        config: this.project.config,
        processEnv: process.env,
        dotenv: env.env,
        dotenvFile: env.file,
        settingUrl: this.settings().get<string>('databaseUrl', ''),
        settingName: 'the setting alembic.databaseUrl',
      });
    } catch (err) {
      // A reader bug must not take the project's other features with it.
      const message = `The database URL could not be read: ${(err as Error).message}`;
      return { unresolved: message, versionTable: 'alembic_version' };
    }
  }
}

function sameResolution(a: ResolvedUrl, b: ResolvedUrl): boolean {
  return (
    a.url === b.url &&
    a.unresolved === b.unresolved &&
    JSON.stringify(a.source) === JSON.stringify(b.source) &&
    a.versionTable === b.versionTable &&
    a.versionTableSchema === b.versionTableSchema
  );
}
