// The throwaway database migration tests run on, never the project's own. SQLite: a file in a new
// temporary folder. PostgreSQL and MySQL: a database `alembic_lens_test_<random>` created on the
// server of the project's URL (or of the URL the user names), and dropped at the end, even when the
// run failed or was cancelled. A server that is not on this machine is only used when named
// explicitly (`--url`, setting `alembic.test.databaseUrl`).
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Knex } from 'knex';
import { type DatabaseUrl, describeDatabase, isLocalDatabase, maskSecrets, parseDatabaseUrl } from '../databaseUrl';
import { mysqlConnection, postgresConnection } from '../versionTable';

export const SCRATCH_PREFIX = 'alembic_lens_test_';
const SERVER_TIMEOUT_MS = 15000;
const SILENT_LOG = { warn(): void {}, error(): void {}, deprecate(): void {}, debug(): void {} };

export interface ScratchServerInput {
  /** A URL the user named for the tests (`--url`, `alembic.test.databaseUrl`): any server is allowed. */
  explicitUrl?: string;
  /** How the user named it, for messages: `--url`, `the setting alembic.test.databaseUrl`. */
  explicitName?: string;
  /** The project's own URL, as alembic-lens resolved it; only its server is used. */
  projectUrl?: string;
  /** Why the project's URL is unknown, when it is. */
  projectUnresolved?: string;
  /** The folder relative SQLite paths resolve against. */
  cwd: string;
}

export type ScratchServer = { ok: true; base: DatabaseUrl; explicit: boolean } | { ok: false; message: string };

/** Which server (or SQLite) the scratch database goes on, or why none may be used. */
export function chooseScratchServer(input: ScratchServerInput): ScratchServer {
  const explicit = input.explicitUrl?.trim();
  const text = explicit || input.projectUrl?.trim();
  const named = input.explicitName ?? '--url';
  if (!text) {
    const why = input.projectUnresolved ? ` (${input.projectUnresolved})` : '';
    return {
      ok: false,
      message: `Cannot tell which database the project uses${why}: name a server for the scratch database with ${named}.`,
    };
  }
  const parsed = parseDatabaseUrl(text, input.cwd);
  if (!parsed.ok) return { ok: false, message: parsed.error };
  const u = parsed.url;
  if (u.placeholder)
    return {
      ok: false,
      message: `The project has no database URL yet (the template's placeholder): name one with ${named}.`,
    };
  if (u.kind === 'other')
    return { ok: false, message: `Migration tests run on SQLite, PostgreSQL or MySQL; not on ${u.dialect}.` };
  if (!explicit && !isLocalDatabase(u, input.cwd)) {
    return {
      ok: false,
      message:
        `The project's database is on another machine (${describeDatabase(u, input.cwd)}): alembic-lens only creates a scratch ` +
        `database there when you name that server with ${named}.`,
    };
  }
  return { ok: true, base: u, explicit: !!explicit };
}

/** A key per server, for "confirm once per server": dialect, host and port, no user, no secret. */
export function serverKey(u: DatabaseUrl): string {
  if (u.kind === 'sqlite') return 'sqlite';
  return `${u.kind}://${u.host ?? 'local socket'}${u.port ? `:${u.port}` : ''}`;
}

export interface ScratchDatabase {
  /** The scratch database's URL, password included: give it to the helper, never show it. */
  url: string;
  /** For people: "PostgreSQL alembic_lens_test_1a2b3c4d on 127.0.0.1:5433", no secret. */
  description: string;
  /** The database's name on its server, or the SQLite file. */
  database: string;
  /** Deletes the database (or the SQLite folder); safe to call twice; throws only with a masked message. */
  drop(): Promise<void>;
}

/**
 * Creates the scratch database; throws an Error with a masked, one-line message when the server refuses.
 * A SQLite file goes in a new folder in `sqliteParent` (default: the system's temporary folder).
 */
export async function createScratchDatabase(base: DatabaseUrl, sqliteParent?: string): Promise<ScratchDatabase> {
  const name = SCRATCH_PREFIX + randomBytes(4).toString('hex');
  if (base.kind === 'sqlite') return createSqliteScratch(base, name, sqliteParent ?? os.tmpdir());
  const url = withDatabase(base, name);
  const description = describeDatabase(url);
  await onServer(base, async (db) => {
    await db.raw(base.kind === 'postgresql' ? `CREATE DATABASE "${name}"` : `CREATE DATABASE \`${name}\``);
  });
  let dropped = false;
  return {
    url,
    description,
    database: name,
    async drop() {
      if (dropped) return;
      await onServer(base, (db) => dropServerDatabase(db, base, name));
      dropped = true;
    },
  };
}

function createSqliteScratch(base: DatabaseUrl, name: string, parent: string): ScratchDatabase {
  // A dot folder: hidden from the file lists and globs of a project it is made in.
  const dir = fs.mkdtempSync(path.join(parent, parent === os.tmpdir() ? 'alembic-lens-test-' : '.alembic-lens-test-'));
  const file = path.join(dir, `${name}.db`);
  return {
    url: `${base.drivername}:///${file}`,
    description: `SQLite ${file}`,
    database: file,
    async drop() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function dropServerDatabase(db: Knex, base: DatabaseUrl, name: string): Promise<void> {
  if (base.kind === 'postgresql') {
    // A cancelled run's connection may outlive its killed process for a moment.
    await db.raw(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()',
      [name],
    );
    await db.raw(`DROP DATABASE IF EXISTS "${name}"`);
  } else {
    await db.raw(`DROP DATABASE IF EXISTS \`${name}\``);
  }
}

/** Runs `work` connected to the server's maintenance database (PostgreSQL `postgres`, MySQL none). */
async function onServer(base: DatabaseUrl, work: (db: Knex) => Promise<void>): Promise<void> {
  const maintenance: DatabaseUrl = {
    ...base,
    database: base.kind === 'postgresql' ? 'postgres' : undefined,
    query: withoutDatabase(base),
  };
  const config: Knex.Config =
    base.kind === 'postgresql'
      ? { client: 'pg', connection: postgresConnection(maintenance, SERVER_TIMEOUT_MS) }
      : { client: 'mysql2', connection: mysqlConnection(maintenance, SERVER_TIMEOUT_MS) };
  const { default: knexFactory } = await import('knex');
  const db = knexFactory({
    ...config,
    pool: { min: 0, max: 1 },
    acquireConnectionTimeout: SERVER_TIMEOUT_MS,
    log: SILENT_LOG,
  });
  try {
    await work(db);
  } catch (err) {
    throw new Error(serverError(err, base));
  } finally {
    await db.destroy().catch(() => undefined);
  }
}

function withoutDatabase(base: DatabaseUrl): Record<string, string[]> {
  const { dbname: _dbname, ...query } = base.query;
  return query;
}

function serverError(err: unknown, u: DatabaseUrl): string {
  const e = err as { code?: string; message?: string };
  const where = describeDatabase({ ...u, database: undefined });
  if (e?.code === 'ECONNREFUSED') return `Connection refused: ${where}.`;
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') return `Host not found: ${where}.`;
  const first = String(e?.message ?? err)
    .split('\n')[0]
    .trim();
  return maskSecrets(`${where}: ${first}`); // u was parsed: its secrets are known
}

/** The URL with another database name; user, password, host, port and query kept. */
export function withDatabase(u: DatabaseUrl, database: string): string {
  const user =
    u.username !== undefined
      ? `${encodeURIComponent(u.username)}${u.password !== undefined ? `:${encodeURIComponent(u.password)}` : ''}@`
      : '';
  // A socket folder from `?host=` stays in the query.
  const fromQuery = u.query.host?.includes(u.host ?? '');
  const host = !u.host || fromQuery ? '' : u.host.includes(':') ? `[${u.host}]` : u.host;
  const port = u.port && !fromQuery ? `:${u.port}` : '';
  const query = Object.entries(withoutDatabase(u))
    .flatMap(([key, values]) => values.map((v) => `${encodeURIComponent(key)}=${encodeURIComponent(v)}`))
    .join('&');
  return `${u.drivername}://${user}${host}${port}/${database}${query ? `?${query}` : ''}`;
}
