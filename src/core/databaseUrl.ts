// SQLAlchemy database URLs: parsed the way `sqlalchemy.engine.url.make_url` does and described for
// people. Parsing remembers the URL's secrets, so that `maskSecrets` hides them in any later text;
// no message made here holds the URL itself.
import * as path from 'node:path';
import { maskSecrets, percentDecode, rememberSecrets, secretRanges } from './secrets';

export { maskSecrets } from './secrets';

export type DatabaseKind = 'sqlite' | 'postgresql' | 'mysql' | 'mariadb' | 'other';

export interface DatabaseUrl {
  /** The text before `://`, as written: `postgresql+psycopg2`. */
  drivername: string;
  /** `postgresql`, `mysql`, `sqlite`, ... (`postgres` is read as `postgresql`). */
  dialect: string;
  driver?: string;
  kind: DatabaseKind;
  username?: string;
  /** Decoded. Never show it: use `maskSecrets` / `describeDatabase`. */
  password?: string;
  /** Host name or IP (an IPv6 address without brackets), or a Unix socket directory from `?host=`. */
  host?: string;
  port?: number;
  /** The path part after the host, as written (SQLAlchemy does not decode it). */
  database?: string;
  /** Query parameters; a key given several times keeps every value, in order. */
  query: Record<string, string[]>;
  /** SQLite only: the database file, absolute (resolved against the `cwd` given to `parseDatabaseUrl`). */
  sqliteFile?: string;
  /** SQLite only: an in-memory database (`sqlite://`, `sqlite:///:memory:`). */
  sqliteMemory?: boolean;
  /** Alembic's template value `driver://user:pass@localhost/dbname`: nothing configured yet. */
  placeholder: boolean;
}

export type ParsedUrl = { ok: true; url: DatabaseUrl } | { ok: false; error: string };

// SQLAlchemy's `_parse_url` pattern, unchanged (1.4 and 2.0 agree); `d` for the groups' positions.
const URL_PATTERN =
  /^([\w+]+):\/\/(?:([^:/]*)(?::([^@]*))?@)?(?:(?:\[([^/?]+)\]|([^/:?]+))?(?::([^/?]*))?)?(?:\/([^?]*))?(?:\?(.*))?$/ds;
/** The groups shown to people: user, IPv6 host, host, port, database. */
const SHOWN_GROUPS = [2, 4, 5, 6, 7];

/**
 * Parses a SQLAlchemy URL. `cwd` is the folder a relative SQLite path resolves against: the folder
 * Alembic runs in, which for alembic-lens is the config file's folder.
 */
export function parseDatabaseUrl(text: string, cwd: string = process.cwd()): ParsedUrl {
  const trimmed = text.trim();
  rememberSecrets(trimmed);
  const m = URL_PATTERN.exec(trimmed);
  if (!m) return { ok: false, error: 'Not a database URL: expected dialect+driver://user:password@host:port/database' };
  const [, drivername, user, password, ipv6, ipv4, portText, database, queryText] = m;
  // SQLAlchemy ends the password at its first `@` (and a user name at its first `:`): with an `@`
  // unencoded in a password, it takes the password's end for the host, port or database.
  const secrets = secretRanges(trimmed);
  const overlaps = SHOWN_GROUPS.some((group) => {
    const [start, end] = m.indices![group] ?? [0, 0];
    return secrets.some(([from, to]) => start < to && from < end);
  });
  if (overlaps) {
    return {
      ok: false,
      error:
        "The database URL's password holds an unencoded '@' that SQLAlchemy reads as the password's end: write it as %40",
    };
  }
  const [rawDialect, ...driverParts] = drivername.split('+');
  const dialect = rawDialect === 'postgres' ? 'postgresql' : rawDialect.toLowerCase();
  let port: number | undefined;
  if (portText) {
    if (!/^\d+$/.test(portText)) {
      return { ok: false, error: maskSecrets(`Bad port '${portText}' in the database URL: it must be a number`) };
    }
    port = Number(portText);
  }
  const url: DatabaseUrl = {
    drivername,
    dialect,
    driver: driverParts.length ? driverParts.join('+') : undefined,
    kind: kindOf(dialect),
    username: user === undefined ? undefined : percentDecode(user),
    password: password === undefined ? undefined : percentDecode(password),
    host: ipv4 || ipv6 || undefined,
    port,
    database: database === undefined ? undefined : database,
    query: parseQuery(queryText),
    placeholder: dialect === 'driver',
  };
  // psycopg2 / PyMySQL take `?host=` (a socket directory or a host) and `?port=` as connect args.
  if (!url.host && (url.kind === 'postgresql' || url.kind === 'mysql' || url.kind === 'mariadb')) {
    const host = first(url.query.host);
    if (host) url.host = host.split(',')[0];
  }
  if (url.kind === 'sqlite') {
    if (url.username || url.password || url.host || url.port) {
      return {
        ok: false,
        error:
          'Invalid SQLite URL: it has no user, password, host or port; use sqlite:///relative.db or sqlite:////absolute.db',
      };
    }
    const file = sqliteFilePath(url);
    if (file === undefined) url.sqliteMemory = true;
    else url.sqliteFile = path.resolve(cwd, file);
  }
  return { ok: true, url };
}

function kindOf(dialect: string): DatabaseKind {
  if (dialect === 'sqlite' || dialect === 'postgresql' || dialect === 'mysql' || dialect === 'mariadb') return dialect;
  return 'other';
}

/** The file a SQLite URL names, or undefined for an in-memory database. */
function sqliteFilePath(url: DatabaseUrl): string | undefined {
  const db = url.database;
  if (!db || db === ':memory:') return undefined;
  // `?uri=true`: the database is a SQLite URI, `file:path`; its own query went to url.query.
  if (first(url.query.uri) === 'true' && db.startsWith('file:')) {
    const file = db.slice('file:'.length).replace(/^\/\/(localhost)?(?=\/)/, '');
    if (!file || file === ':memory:' || first(url.query.mode) === 'memory') return undefined;
    return percentDecode(file);
  }
  return db;
}

function first(values: string[] | undefined): string | undefined {
  return values?.length ? values[0] : undefined;
}

/** Python's `parse_qsl` (3.9.2 and later): pairs split at `&` only, `+` is a space, blank values dropped. */
function parseQuery(text: string | undefined): Record<string, string[]> {
  const query: Record<string, string[]> = {};
  if (!text) return query;
  for (const part of text.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = percentDecode(part.slice(0, eq).replace(/\+/g, ' '));
    const value = percentDecode(part.slice(eq + 1).replace(/\+/g, ' '));
    if (!value) continue;
    (query[key] ??= []).push(value);
  }
  return query;
}

const LOCAL_NAMES = new Set([
  'localhost',
  'localhost.localdomain',
  'ip6-localhost',
  'ip6-loopback',
  '::1',
  '0:0:0:0:0:0:0:1',
  '0.0.0.0',
  '::',
]);

/**
 * True for databases on this machine: SQLite, localhost, 127.0.0.0/8, ::1, Unix sockets (including
 * no host at all, which makes libpq and MySQL clients use their default socket).
 */
export function isLocalDatabase(url: string | DatabaseUrl, cwd?: string): boolean {
  const parsed = typeof url === 'string' ? parseDatabaseUrl(url, cwd) : { ok: true as const, url };
  if (!parsed.ok) return false;
  const u = parsed.url;
  if (u.kind === 'sqlite') return true;
  const host = u.host?.toLowerCase();
  if (!host) return true;
  if (host.startsWith('/') || host.startsWith('@')) return true;
  if (LOCAL_NAMES.has(host) || host.endsWith('.localhost')) return true;
  if (/^127(?:\.\d{1,3}){3}$/.test(host)) return true;
  if (/^::ffff:127(?:\.\d{1,3}){3}$/.test(host)) return true;
  return false;
}

const DIALECT_NAMES: Record<string, string> = {
  sqlite: 'SQLite',
  postgresql: 'PostgreSQL',
  mysql: 'MySQL',
  mariadb: 'MariaDB',
  mssql: 'SQL Server',
  oracle: 'Oracle',
  cockroachdb: 'CockroachDB',
  redshift: 'Redshift',
  snowflake: 'Snowflake',
  duckdb: 'DuckDB',
  firebird: 'Firebird',
  sybase: 'Sybase',
  bigquery: 'BigQuery',
  clickhouse: 'ClickHouse',
};

const DEFAULT_PORTS: Record<string, number> = {
  postgresql: 5432,
  mysql: 3306,
  mariadb: 3306,
  mssql: 1433,
  oracle: 1521,
};

/**
 * A short text for people, free of secrets: "SQLite app.db", "PostgreSQL mydb on db.example.com",
 * "MySQL shop on localhost:3307". SQLite files are shown relative to `cwd` when inside it.
 */
export function describeDatabase(url: string | DatabaseUrl, cwd: string = process.cwd()): string {
  const parsed = typeof url === 'string' ? parseDatabaseUrl(url, cwd) : { ok: true as const, url };
  if (!parsed.ok) return 'unreadable database URL';
  const u = parsed.url;
  if (u.placeholder) return 'no database configured';
  const name = DIALECT_NAMES[u.dialect] ?? u.dialect;
  if (u.kind === 'sqlite') {
    if (u.sqliteMemory || !u.sqliteFile) return 'SQLite in memory';
    const rel = path.relative(cwd, u.sqliteFile);
    const shown = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : u.sqliteFile;
    return `SQLite ${shown}`;
  }
  const db = u.database ? `${u.database} ` : '';
  let where: string;
  if (!u.host) where = 'the local socket';
  else if (u.host.startsWith('/')) where = `socket ${u.host}`;
  else {
    const host = u.host.includes(':') ? `[${u.host}]` : u.host;
    where = u.port && u.port !== DEFAULT_PORTS[u.dialect] ? `${host}:${u.port}` : host;
  }
  return `${name} ${db}on ${where}`;
}

/** Alembic's template value, `driver://user:pass@localhost/dbname`: the project never set a URL. */
export function isPlaceholderUrl(url: string): boolean {
  return /^driver(\+\w+)?:\/\//.test(url.trim());
}
