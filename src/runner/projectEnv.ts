// The environment variables an Alembic terminal gets from the project's `.env` file (settings
// `alembic.loadDotEnv`, `alembic.dotEnvPath`). Parsing is src/core/dotenv.ts; this only finds the file.
// Values are secrets more often than not: nothing here logs or displays them.
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseDotenv } from '../core/dotenv';
import { readTextFile } from '../core/fileBytes';

export interface ProjectEnv {
  /** The variables, possibly empty. */
  env: Record<string, string>;
  /** The .env file read, when there was one. */
  file?: string;
}

/**
 * The .env variables for a project folder, or an empty set when loading is off or there is no file. The
 * registry keeps each project's (ProjectContext); the runner reads it again when a command starts, so
 * that a terminal never runs with variables older than the file.
 */
export function readProjectEnv(folder: string): ProjectEnv {
  const uri = vscode.Uri.file(folder);
  const config = vscode.workspace.getConfiguration('alembic', uri);
  if (!config.get<boolean>('loadDotEnv', true)) return { env: {} };
  const configured = config.get<string>('dotEnvPath', '').trim();
  const workspaceFolder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
  const file = configured ? resolveSettingPath(configured, folder, workspaceFolder) : path.join(folder, '.env');
  let text: string;
  try {
    text = readTextFile(file);
  } catch {
    return { env: {} };
  }
  return { env: parseDotenv(text, { env: process.env }), file };
}

/** A stable fingerprint of a set of variables: tells whether a terminal's environment is out of date. */
export function envFingerprint(env: Readonly<Record<string, string>>): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(env).sort()) hash.update(`${key}\0${env[key]}\0`);
  return hash.digest('hex');
}

/**
 * A path from a setting: `${workspaceFolder}`, `${userHome}` and a leading `~` are expanded; a relative
 * path is relative to `base` (the project folder).
 */
export function resolveSettingPath(value: string, base: string, workspaceFolder?: string): string {
  let p = value.replace(/\$\{workspaceFolder\}/g, workspaceFolder ?? base).replace(/\$\{userHome\}/g, os.homedir());
  if (p === '~' || p.startsWith('~/') || p.startsWith('~\\')) p = path.join(os.homedir(), p.slice(1));
  return path.resolve(base, p);
}
