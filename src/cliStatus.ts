// `alembic-lens status`: where the database stands, read as the extension reads it (the URL env.py
// uses, from the environment, .env, a settings class, a literal or sqlalchemy.url; `--url` first),
// without running Python. Exit 0 up to date, 1 pending or at a revision the history lacks, 2 unread.
import * as path from 'node:path';
import { type DatabaseState, databaseStanding, databaseState } from './core/databaseState';
import { maskSecrets } from './core/databaseUrl';
import { readDotenvFile } from './core/dotenv';
import { describeOrigin, originOfUnknownRevision } from './core/git/revisionOrigin';
import type { Project } from './core/project';
import { readProjectDatabase } from './core/projectDatabase';
import type { DatabaseUrlSource } from './core/urlSource';

export type StatusState =
  | 'up-to-date'
  | 'pending'
  | 'unknown-revision'
  | 'no-database'
  | 'not-migrated'
  | 'unreachable';

interface StatusReport {
  database: string | null;
  source: string | null;
  /** Where the URL came from, typed: `{ kind: 'dotenv', name, file }`, `{ kind: 'envPy', file, line, ... }`... */
  urlSource: DatabaseUrlSource | null;
  state: StatusState;
  current: string[];
  /** null when it cannot be told: the database is at a revision this history lacks (see `undetermined`). */
  pending: string[] | null;
  unknown: string[];
  /** The revisions that may or may not be applied, under a revision this history lacks. */
  undetermined: string[];
  /** Where an unknown revision comes from: the ref git found it at first, none without git or a match. */
  foundIn?: { ref: string; commit: string }[];
  message: string;
}

export async function statusCommand(project: Project, options: { url?: string; json?: boolean }): Promise<number> {
  const dotenvFile = path.join(path.dirname(path.resolve(project.config.configFile)), '.env');
  const read = await readProjectDatabase({
    config: project.config,
    processEnv: process.env,
    dotenv: readDotenvFile(dotenvFile),
    dotenvFile,
    overrideUrl: options.url,
    overrideLabel: '--url',
  });
  const base = { database: read.database ?? null, source: read.source ?? null, urlSource: read.urlSource ?? null };
  const unread = { current: [], pending: [], unknown: [], undetermined: [] };
  let report: StatusReport;
  switch (read.result.status) {
    case 'ok': {
      const state = databaseState(project.graph, read.result.revisions);
      const standing = databaseStanding(state);
      report = { ...base, state: standing, ...revisionLists(state), message: standingMessage(standing, state) };
      if (state.unknown.length) {
        const origin = await originOfUnknownRevision(project, state.unknown);
        report.foundIn = origin ? [{ ref: origin.ref, commit: origin.commit }] : [];
        if (origin) report.message = describeOrigin(origin);
      }
      break;
    }
    case 'no-database':
    case 'no-version-table': {
      const state = databaseState(project.graph, []);
      const missing = read.result.status === 'no-database';
      report = {
        ...base,
        state: missing ? 'no-database' : 'not-migrated',
        ...revisionLists(state),
        message: `${missing ? 'no database yet' : 'not migrated yet'}: ${state.pending.length} revision(s) pending`,
      };
      const folder = read.result.status === 'no-database' ? read.result.missingFolder : undefined;
      if (folder) report.message += `; the folder ${folder} does not exist, so the first upgrade would fail`;
      break;
    }
    case 'unsupported':
    case 'unresolved':
      report = {
        ...base,
        state: 'unreachable',
        ...unread,
        message: `${read.result.message.replace(/\.?$/, '.')} Run \`alembic current\`, or give the URL with --url.`,
      };
      break;
    case 'unreachable':
      report = { ...base, state: 'unreachable', ...unread, message: read.result.message };
      break;
  }
  report.message = maskSecrets(report.message);
  if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else printReport(report);
  if (report.state === 'unreachable') return 2;
  return report.pending?.length || report.unknown.length ? 1 : 0;
}

function revisionLists(state: DatabaseState): Pick<StatusReport, 'current' | 'pending' | 'unknown' | 'undetermined'> {
  const ids = (revs: readonly { id: string }[]): string[] => revs.map((r) => r.id);
  return {
    current: ids(state.current),
    // With a row this history lacks, which revisions are applied is not known: no list rather than a wrong one.
    pending: databaseStanding(state) === 'unknown-revision' ? null : ids(state.pending),
    unknown: state.unknown,
    undetermined: ids(state.undetermined),
  };
}

function standingMessage(standing: StatusState, state: DatabaseState): string {
  if (standing === 'unknown-revision')
    return `the database is at ${state.unknown.join(', ')}, which this history does not have`;
  if (standing === 'pending') return `${state.pending.length} revision(s) pending`;
  return 'up to date';
}

function printReport(report: StatusReport): void {
  const lines = [`database: ${report.database ?? 'unknown'}${report.source ? ` (${report.source})` : ''}`];
  if (report.state === 'unreachable') {
    process.stdout.write(`${lines.join('\n')}\n`);
    process.stderr.write(`can't read the database status: ${report.message}\n`);
    return;
  }
  const migrated = report.state === 'up-to-date' || report.state === 'pending';
  lines.push(`current: ${report.current.length ? report.current.join(', ') : migrated ? 'base' : 'none'}`);
  if (report.unknown.length) lines.push(`not in this history: ${report.unknown.join(', ')}`);
  if (report.pending === null) {
    const which = report.undetermined.length ? `: ${report.undetermined.join(', ')} may or may not be applied` : '';
    lines.push(`pending: cannot tell, the database stands on a revision this history lacks${which}`);
  } else lines.push(`pending: ${report.pending.length ? report.pending.join(', ') : 'none'}`);
  lines.push(report.message);
  process.stdout.write(`${lines.join('\n')}\n`);
}
