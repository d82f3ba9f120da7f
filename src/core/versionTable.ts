// Reads which revision(s) a database is at: one SELECT on Alembic's version table, through knex
// (better-sqlite3 opened read-only, pg, mysql2), without Python. Where better-sqlite3 cannot load (the
// Node build inside desktop VS Code's Electron), SQLite is read with the runtime's `node:sqlite` (Node
// 22, VS Code 1.101+), also read-only. Never creates, writes or throws:
// every outcome is a status the caller can show, and `unsupported` tells it to ask Alembic instead
// (`alembic current`, whose output `currentFromAlembicOutput` reads).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Knex } from 'knex';
import { type DatabaseUrl, maskSecrets, parseDatabaseUrl } from './databaseUrl';

export type DatabaseRevisions =
  /** The version table's rows; `[]` is base (migrated, then downgraded to nothing, or stamped base). */
  | { status: 'ok'; revisions: string[]; via?: 'node:sqlite' }
  /**
   * The SQLite file or the server's database does not exist. `missingFolder`: not the SQLite file's folder
   * either, where SQLite cannot create it (the first upgrade fails: "unable to open database file").
   */
  | { status: 'no-database'; missingFolder?: string }
  /** The database exists but Alembic never ran on it. */
  | { status: 'no-version-table' }
  /**
   * Down, timed out, or (`refused`) the server answered and refused the login: a wrong password, a user
   * it does not know. `message` is short and has no secret.
   */
  | { status: 'unreachable'; message: string; refused?: boolean }
  /** Not a database this reader talks to, or its driver does not load: ask Alembic. */
  | { status: 'unsupported'; message: string };

export interface ReadRevisionsOptions {
  /** The folder relative SQLite paths resolve against (Alembic's working directory). */
  cwd: string;
  versionTable?: string;
  /** `version_table_schema` (PostgreSQL schema, MySQL database). */
  schema?: string;
  /** Connection and query timeout; default 3000 ms. */
  timeoutMs?: number;
  /**
   * better-sqlite3's native file built for this runtime, when the one in node_modules is not (an
   * Electron build inside VS Code). A binding that fails to load makes the result `unsupported`.
   */
  sqliteNativeBinding?: string;
  /** Loads `node:sqlite`, the fallback when better-sqlite3 does not load (tests inject it). */
  loadNodeSqlite?: () => NodeSqlite | undefined;
}

/** What is used of `node:sqlite` (Node 22). */
export interface NodeSqlite {
  DatabaseSync: new (
    file: string,
    options?: { readOnly?: boolean; open?: boolean },
  ) => {
    exec(sql: string): void;
    prepare(sql: string): { all(): unknown[] };
    close(): void;
  };
}

const DRIVER_LOAD = 'ALEMBIC_LENS_DRIVER_LOAD';
const SILENT_LOG = { warn(): void {}, error(): void {}, deprecate(): void {}, debug(): void {} };

/** Reads the version table of the database at `url`. */
export async function readDatabaseRevisions(url: string, options: ReadRevisionsOptions): Promise<DatabaseRevisions> {
  const parsed = parseDatabaseUrl(url, options.cwd);
  if (!parsed.ok) return { status: 'unsupported', message: parsed.error };
  const u = parsed.url;
  if (u.placeholder)
    return { status: 'unsupported', message: 'No database configured (the URL is the template placeholder).' };
  const timeoutMs = options.timeoutMs ?? 3000;
  const versionTable = options.versionTable ?? 'alembic_version';

  let config: Knex.Config;
  switch (u.kind) {
    case 'sqlite': {
      if (u.sqliteMemory || !u.sqliteFile)
        return { status: 'unsupported', message: 'An in-memory SQLite database only exists while Alembic runs.' };
      const kind = fileKind(u.sqliteFile);
      if (kind === 'missing') {
        const folder = path.dirname(u.sqliteFile);
        return fs.existsSync(folder) ? { status: 'no-database' } : { status: 'no-database', missingFolder: folder };
      }
      // SQLite cannot open it either ("unable to open database file"): not "no database yet".
      if (kind === 'other')
        return { status: 'unreachable', message: `SQLite cannot open ${u.sqliteFile}: it is not a regular file.` };
      const source = sqliteReadSource(u.sqliteFile);
      if ('unsafe' in source) return { status: 'unsupported', message: source.unsafe };
      // better-sqlite3 is synchronous: a locked file must not block the caller for its default 5 s.
      const connection = {
        filename: u.sqliteFile,
        image: source.image,
        busyTimeoutMs: Math.min(timeoutMs, 500),
        nativeBinding: options.sqliteNativeBinding,
      };
      const sqliteConfig = { client: ReadOnlySqliteClient(), connection, useNullAsDefault: true };
      const viaKnex = await readWithKnex(sqliteConfig, u, versionTable, options.schema, timeoutMs);
      // For a file that exists, `unsupported` only means that better-sqlite3 did not load. node:sqlite
      // reads in place only, which for a WAL database would create its -shm and -wal files: not that.
      if (viaKnex.status !== 'unsupported' || source.image) return viaKnex;
      const loadNodeSqlite = options.loadNodeSqlite ?? runtimeNodeSqlite;
      return readWithNodeSqlite(loadNodeSqlite, u.sqliteFile, versionTable, viaKnex.message);
    }
    case 'postgresql':
      config = { client: 'pg', connection: postgresConnection(u, timeoutMs) };
      break;
    case 'mysql':
    case 'mariadb':
      config = { client: 'mysql2', connection: mysqlConnection(u, timeoutMs) };
      break;
    default:
      return { status: 'unsupported', message: `alembic-lens does not read ${u.dialect} databases itself.` };
  }
  return readWithKnex(config, u, versionTable, options.schema, timeoutMs);
}

async function readWithKnex(
  base: Knex.Config,
  u: DatabaseUrl,
  versionTable: string,
  schema: string | undefined,
  timeoutMs: number,
): Promise<DatabaseRevisions> {
  const pool = { min: 0, max: 1 };
  const config: Knex.Config = { ...base, pool, acquireConnectionTimeout: timeoutMs, log: SILENT_LOG };
  let db: Knex | undefined;
  try {
    // Loaded on first use: knex and its drivers are most of the extension's code, and activation
    // should not pay for them.
    const { default: knexFactory } = await import('knex');
    db = knexFactory(config);
  } catch (err) {
    return { status: 'unsupported', message: driverMessage(err, u) };
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<DatabaseRevisions>((resolve) => {
    timer = setTimeout(
      () => resolve({ status: 'unreachable', message: `No answer within ${Math.round(timeoutMs / 100) / 10} s.` }),
      timeoutMs + 1000,
    );
  });
  try {
    return await Promise.race([selectRevisions(db, versionTable, schema, u), deadline]);
  } finally {
    clearTimeout(timer);
    await destroyQuietly(db);
  }
}

async function selectRevisions(
  db: Knex,
  table: string,
  schema: string | undefined,
  u: DatabaseUrl,
): Promise<DatabaseRevisions> {
  try {
    const query = schema
      ? db.withSchema(schema).select('version_num').from(table)
      : db.select('version_num').from(table);
    const rows: Array<{ version_num: unknown }> = await query;
    return { status: 'ok', revisions: rows.map((r) => String(r.version_num)) };
  } catch (err) {
    return classify(err, u, schema);
  }
}

function classify(err: unknown, u: DatabaseUrl, schema: string | undefined): DatabaseRevisions {
  const e = err as { code?: string; errno?: number; message?: string };
  const code = String(e?.code ?? '');
  const message = String(e?.message ?? err);
  if (code === DRIVER_LOAD || code === 'ERR_DLOPEN_FAILED' || code === 'MODULE_NOT_FOUND' || isDriverLoadError(message))
    return { status: 'unsupported', message: driverMessage(err, u) };
  // A table or schema that does not exist: PostgreSQL 42P01/3F000, MySQL 1146, SQLite "no such table".
  if (
    code === '42P01' ||
    code === '3F000' ||
    code === 'ER_NO_SUCH_TABLE' ||
    e?.errno === 1146 ||
    /no such table/i.test(message)
  ) {
    return { status: 'no-version-table' };
  }
  // PostgreSQL 3D000 / MySQL 1049: the server answers, the database is not there. In MySQL a
  // `version_table_schema` is a database too: when it is the one missing, the table is.
  if (code === '3D000' || code === 'ER_BAD_DB_ERROR' || e?.errno === 1049) {
    return schema && message.includes(`'${schema}'`) ? { status: 'no-version-table' } : { status: 'no-database' };
  }
  // PostgreSQL 28P01 / 28000, MySQL 1045 / 1044: the server answered and said no to these credentials.
  const refused = ['28P01', '28000', 'ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR'].includes(code);
  return refused
    ? { status: 'unreachable', message: shortMessage(message, code, u), refused }
    : { status: 'unreachable', message: shortMessage(message, code, u) };
}

function shortMessage(message: string, code: string, u: DatabaseUrl): string {
  let text = message
    .replace(/^select .*? - /i, '')
    .split('\n')[0]
    .trim();
  if (code === 'ECONNREFUSED') text = `Connection refused (${where(u)}).`;
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') text = `Host not found: ${u.host}.`;
  else if (code === 'ETIMEDOUT' || /timeout|timed out/i.test(text)) text = `Connection timed out (${where(u)}).`;
  else if (code === 'ENOENT' && u.host?.startsWith('/')) text = `No server socket in ${u.host}.`;
  text = maskSecrets(text);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

function where(u: DatabaseUrl): string {
  if (!u.host) return 'local socket';
  if (u.host.startsWith('/')) return u.host;
  const host = u.host.includes(':') ? `[${u.host}]` : u.host;
  return u.port ? `${host}:${u.port}` : host;
}

function isDriverLoadError(message: string): boolean {
  return /Cannot find module|NODE_MODULE_VERSION|was compiled against a different|Could not locate the bindings file|invalid ELF header|dlopen|npm install/i.test(
    message,
  );
}

function driverMessage(err: unknown, u: DatabaseUrl): string {
  const message = String((err as Error)?.message ?? err);
  const firstReal =
    message.split('\n').find((l) => l.trim() && !/^Knex: run|^\$ npm install/.test(l.trim())) ?? message;
  return maskSecrets(`The ${u.kind} driver does not load here: ${firstReal.trim().slice(0, 160)}`);
}

async function destroyQuietly(db: Knex): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    db.destroy().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 1000);
    }),
  ]);
  clearTimeout(timer);
}

function fileKind(file: string): 'file' | 'missing' | 'other' {
  try {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    return !stat ? 'missing' : stat.isFile() ? 'file' : 'other';
  } catch {
    return 'other';
  }
}

function first(values: string[] | undefined): string | undefined {
  return values?.[0];
}

export function postgresConnection(
  u: DatabaseUrl,
  timeoutMs: number,
): Knex.PgConnectionConfig & Record<string, unknown> {
  const sslmode = first(u.query.sslmode);
  const portText = first(u.query.port);
  const port = u.port ?? (portText && /^\d+$/.test(portText) ? Number(portText) : 5432);
  const connection: Knex.PgConnectionConfig & Record<string, unknown> = {
    host: u.host ?? defaultPostgresSocket(port),
    port,
    user: u.username ?? first(u.query.user),
    password: u.password ?? first(u.query.password),
    database: u.database || first(u.query.dbname),
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    statement_timeout: timeoutMs,
    application_name: 'alembic-lens',
  };
  const options = first(u.query.options);
  if (options) connection.options = options;
  // libpq's `prefer` falls back to plain text, which node-postgres cannot: only `require` and up use TLS.
  if (sslmode === 'require') connection.ssl = { rejectUnauthorized: false };
  else if (sslmode === 'verify-ca' || sslmode === 'verify-full') connection.ssl = { rejectUnauthorized: true };
  return connection;
}

/** libpq without a host uses its Unix socket; node-postgres would use TCP localhost. */
function defaultPostgresSocket(port: number): string {
  if (process.platform === 'win32') return 'localhost';
  for (const dir of ['/var/run/postgresql', '/tmp']) {
    if (fs.existsSync(path.join(dir, `.s.PGSQL.${port}`))) return dir;
  }
  return 'localhost';
}

export function mysqlConnection(
  u: DatabaseUrl,
  timeoutMs: number,
): Knex.MySql2ConnectionConfig & Record<string, unknown> {
  const socket = first(u.query.unix_socket) ?? (u.host?.startsWith('/') ? u.host : undefined);
  const connection: Knex.MySql2ConnectionConfig & Record<string, unknown> = {
    user: u.username ?? first(u.query.user),
    password: u.password ?? first(u.query.password) ?? first(u.query.passwd),
    database: u.database || undefined,
    connectTimeout: timeoutMs,
  };
  if (socket) connection.socketPath = socket;
  else {
    connection.host = u.host ?? 'localhost';
    connection.port = u.port ?? 3306;
  }
  const sslMode = first(u.query.ssl_mode)?.toUpperCase();
  if (
    first(u.query.ssl_ca) ||
    first(u.query.ssl) === 'true' ||
    sslMode === 'REQUIRED' ||
    sslMode === 'VERIFY_CA' ||
    sslMode === 'VERIFY_IDENTITY'
  ) {
    connection.ssl = { rejectUnauthorized: sslMode === 'VERIFY_CA' || sslMode === 'VERIFY_IDENTITY' };
  }
  return connection;
}

/** WAL databases up to this size are copied into memory to be read; bigger ones are left to Alembic. */
const WAL_IMAGE_MAX_BYTES = 64 * 1024 * 1024;
const WAL_HEADER_BYTES = 32;

/**
 * How to read a SQLite file without creating or changing any file. A rollback-journal database is
 * opened read-only in place. A WAL database cannot be: SQLite would create its -shm and -wal files
 * next to it. When its -wal holds no changes, the main file is the whole database, read here as an
 * in-memory copy; otherwise only SQLite can merge the -wal in, and that is Alembic's to do.
 */
function sqliteReadSource(file: string): { image?: Buffer } | { unsafe: string } {
  const header = Buffer.alloc(20);
  try {
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, header, 0, header.length, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return {}; // unreadable: the driver says why
  }
  // Bytes 18 and 19 are the write and read format versions: 2 is WAL.
  const isSqlite = header.subarray(0, 16).equals(Buffer.from('SQLite format 3\0'));
  if (!isSqlite || (header[18] !== 2 && header[19] !== 2)) return {};
  const name = path.basename(file);
  const walSize = fileSize(`${file}-wal`);
  if (walSize !== undefined && walSize > WAL_HEADER_BYTES) {
    return {
      unsafe: `${name} is a WAL database with changes still in ${name}-wal: reading it here would create files next to it.`,
    };
  }
  const before = fs.statSync(file, { bigint: true });
  if (before.size > WAL_IMAGE_MAX_BYTES) {
    return { unsafe: `${name} is a WAL database too large to copy for reading (${before.size} bytes).` };
  }
  const image = fs.readFileSync(file);
  const after = fs.statSync(file, { bigint: true });
  if (after.mtimeNs !== before.mtimeNs || after.size !== before.size || fileSize(`${file}-wal`) !== walSize) {
    return { unsafe: `${name} changed while it was read: a migration may be running.` };
  }
  // The copy is a plain database for SQLite's in-memory reader, which has no WAL.
  image[18] = 1;
  image[19] = 1;
  return { image };
}

function fileSize(file: string): number | undefined {
  try {
    return fs.statSync(file).size;
  } catch {
    return undefined;
  }
}

/**
 * knex's better-sqlite3 client, opening the file read-only and only if it exists: reading the
 * status must never create an empty database where the user expects theirs.
 */
function ReadOnlySqliteClient(): typeof Knex.Client {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Base: typeof Knex.Client = require('knex/lib/dialects/better-sqlite3');
  return class ReadOnlyBetterSqlite3 extends Base {
    override async acquireRawConnection(): Promise<unknown> {
      type Settings = { filename: string; image?: Buffer; busyTimeoutMs: number; nativeBinding?: string };
      const settings = (this as unknown as { connectionSettings: Settings }).connectionSettings;
      const Driver = (this as unknown as { driver: new (file: string | Buffer, options: object) => unknown }).driver;
      try {
        const { image, filename, busyTimeoutMs, nativeBinding } = settings;
        if (image) return new Driver(image, { readonly: true, nativeBinding });
        return new Driver(filename, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs, nativeBinding });
      } catch (err) {
        // SQLite's own errors (SQLITE_CANTOPEN, ...) are about the file; anything else is the
        // native module failing to load (built for another Node or Electron, wrong architecture).
        if (String((err as { code?: unknown }).code ?? '').startsWith('SQLITE_')) throw err;
        throw Object.assign(new Error((err as Error).message), { code: DRIVER_LOAD });
      }
    }
  };
}

/** `node:sqlite` when this runtime has it (Node 22; VS Code 1.101 and later). */
function runtimeNodeSqlite(): NodeSqlite | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('node:sqlite') as NodeSqlite;
  } catch {
    return undefined;
  }
}

/** The version table read with node:sqlite, read-only twice over: opened read-only, and `query_only`. */
function readWithNodeSqlite(
  load: () => NodeSqlite | undefined,
  file: string,
  table: string,
  whyNotKnex: string,
): DatabaseRevisions {
  const sqlite = load();
  if (!sqlite) {
    return { status: 'unsupported', message: `${whyNotKnex} This runtime has no node:sqlite either (Node 22 has it).` };
  }
  let db: InstanceType<NodeSqlite['DatabaseSync']> | undefined;
  try {
    db = new sqlite.DatabaseSync(file, { readOnly: true });
    db.exec('PRAGMA query_only = ON');
    const quoted = `"${table.replace(/"/g, '""')}"`;
    const rows = db.prepare(`SELECT version_num FROM ${quoted}`).all() as Array<{ version_num: unknown }>;
    return { status: 'ok', revisions: rows.map((r) => String(r.version_num)), via: 'node:sqlite' };
  } catch (err) {
    const message = String((err as Error)?.message ?? err);
    if (/no such table/i.test(message)) return { status: 'no-version-table' };
    return { status: 'unreachable', message: message.split('\n')[0].slice(0, 200) };
  } finally {
    db?.close();
  }
}

// ---------------------------------------------------------------------------------------------
// `alembic current`

/**
 * The revisions `alembic current` printed: the first word of each line of its stdout (`92404fb3f98d
 * (head)`, `abc (effective head)`, `abc (label) (head)`), or the `Rev:` lines of `--verbose`.
 * Logging lines are skipped; no output means base.
 */
export function currentFromAlembicOutput(stdout: string): string[] {
  const lines = stdout
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim());
  const content = lines.filter((l) => !/^(INFO|WARNI?N?G?|ERROR|DEBUG|CRITI?C?A?L?)\s+\[[\w.]+\]/.test(l));
  const verbose = content.filter((l) => l.startsWith('Rev: '));
  const revisions = verbose.length
    ? verbose.map((l) => l.slice('Rev: '.length).trim().split(/\s+/)[0])
    : content
        .filter((l) => !/^\s/.test(l) && !/^Current revision\(s\) for /.test(l))
        .map((l) => l.trim().split(/\s+/)[0]);
  return [...new Set(revisions.filter((r) => r && r !== '(head)'))];
}

/** What media/python/alembic_lens_current.py prints before the SQLite file it refused to create. */
const MISSING_SQLITE_MARKER = 'alembic-lens: no SQLite database file: ';

/** The SQLite file `alembic current` found missing (and did not create), from its stderr. */
export function missingSqliteFileFromOutput(stderr: string): string | undefined {
  const line = stderr.split(/\r?\n/).find((l) => l.startsWith(MISSING_SQLITE_MARKER));
  return line?.slice(MISSING_SQLITE_MARKER.length).trim() || undefined;
}
