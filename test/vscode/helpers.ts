// Helpers for the extension-host tests: the contract of the extension's API, polling, and reading the
// workspace's Alembic revision files the way the tests need (independently of the extension's parser).
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'alembic-lens.alembic-lens';

/** What the extension's activate() returns (the contract the tests are written against). */
export type { AlembicLensApi } from '../../src/testApi/testApi';

/** The extension's API once the workspace has activated it (nothing here activates it explicitly). */
export async function activatedApi<T>(): Promise<T> {
  const ext = vscode.extensions.getExtension<T>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is loaded`);
  await waitFor('activation by workspaceContains:**/alembic.ini', () => ext.isActive, 30000);
  return ext.exports;
}

/** Polls `check` until it returns a truthy value (returned) or `timeoutMs` passes (then fails with `what`). */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return folder.uri.fsPath;
}

/**
 * The workspace's versions folder: `<script_location>/versions` from the first alembic.ini found
 * (top level first), `%(here)s` being the ini's folder; falls back to `alembic/versions`.
 */
export function versionsDir(root = workspaceRoot()): string {
  const candidates = [path.join(root, 'alembic.ini')];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    if (entry.isDirectory()) candidates.push(path.join(root, entry.name, 'alembic.ini'));
  }
  const ini = candidates.find((p) => fs.existsSync(p));
  if (ini) {
    const m = /^\s*script_location\s*=\s*(.+?)\s*$/m.exec(fs.readFileSync(ini, 'utf8'));
    if (m) {
      const here = path.dirname(ini);
      const location = m[1].replace(/%\(here\)s/g, here);
      const dir = path.join(path.resolve(here, location), 'versions');
      if (fs.existsSync(dir)) return dir;
    }
  }
  return path.join(root, 'alembic', 'versions');
}

export interface RevisionFile {
  file: string;
  revision: string;
  downRevisions: string[];
}

/** Reads `revision = ...` / `down_revision = ...` (with or without `: str` annotations) from each file. */
export function readRevisionFiles(dir = versionsDir()): RevisionFile[] {
  const out: RevisionFile[] = [];
  for (const name of fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.py'))
    .sort()) {
    const text = fs.readFileSync(path.join(dir, name), 'utf8');
    const rev = /^revision\s*(?::[^=]+)?=\s*['"]([^'"]+)['"]/m.exec(text);
    if (!rev) continue;
    const down = /^down_revision\s*(?::[^=]+)?=\s*(.+)$/m.exec(text);
    const downRevisions = down ? [...down[1].matchAll(/['"]([^'"]+)['"]/g)].map((m) => m[1]) : [];
    out.push({ file: path.join(dir, name), revision: rev[1], downRevisions });
  }
  return out;
}

/** Revisions nobody points to as their down_revision. */
export function heads(files: RevisionFile[]): string[] {
  const referenced = new Set(files.flatMap((f) => f.downRevisions));
  return files.map((f) => f.revision).filter((r) => !referenced.has(r));
}

export function randomRevisionId(): string {
  return Array.from({ length: 12 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
}

/** A revision file as `alembic revision -m <message>` writes it (Alembic 1.8 template, trimmed). */
export function revisionSource(
  revision: string,
  downRevision: string | null,
  message: string,
  body = '    pass',
): string {
  return `"""${message}

Revision ID: ${revision}
Revises: ${downRevision ?? ''}
Create Date: 2024-01-01 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '${revision}'
down_revision = ${downRevision === null ? 'None' : `'${downRevision}'`}
branch_labels = None
depends_on = None


def upgrade():
${body}


def downgrade():
    pass
`;
}

/** Text of a tree item as a user would read it. */
export function itemText(item: { label: string; description?: string; id: string }): string {
  return `${item.id} ${item.label} ${item.description ?? ''}`;
}
