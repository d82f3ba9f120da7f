// Where a project's database stands, read the way Alembic would find it: the URL from an explicit
// override, or from what env.py uses (the environment, .env, a settings class, a literal, the ini),
// then its version table. Shared by the extension's status and `alembic-lens status`.
import * as path from 'node:path';
import type { AlembicConfig } from './config';
import { describeDatabase, isLocalDatabase, maskSecrets, parseDatabaseUrl } from './databaseUrl';
import { type DatabaseUrlSource, describeUrlSource, type ResolvedUrl, resolveDatabaseUrl } from './urlSource';
import { type DatabaseRevisions, readDatabaseRevisions } from './versionTable';

export interface ProjectDatabaseInput {
  config: AlembicConfig;
  /** The URL already resolved (the extension's registry does it once per project); else from the fields below. */
  resolved?: ResolvedUrl;
  processEnv?: Readonly<Record<string, string | undefined>>;
  /** The project's `.env`, parsed, and the file it came from. */
  dotenv?: Readonly<Record<string, string>>;
  dotenvFile?: string;
  /** A URL that wins over everything (the setting `alembic.databaseUrl`, `--url`), and how to name it. */
  overrideUrl?: string;
  overrideLabel?: string;
  timeoutMs?: number;
  /**
   * The URL as this machine reaches it, when that differs (a Compose service's host, through its
   * published port; `note` says so), or `askAlembic` when only Alembic's own environment can reach it.
   */
  hostUrl?: (url: string) => { url: string; note: string } | { askAlembic: string } | undefined;
}

export interface ProjectDatabase {
  /** "SQLite app.db", "PostgreSQL app on db.example.com": never a password. */
  database?: string;
  /** Where the URL came from, for people: "DATABASE_URL from .env", "alembic.ini", "--url", with notes. */
  source?: string;
  /** Where the URL came from, typed. */
  urlSource?: DatabaseUrlSource;
  /** True for SQLite files and servers on this machine. */
  local?: boolean;
  /** sqlite | postgresql | mysql | ... */
  dialect?: string;
  /** The SQLite file, to watch for it appearing. */
  sqliteFile?: string;
  /** The version table, or why no URL could be known without running Python (`unresolved`). */
  result: DatabaseRevisions | { status: 'unresolved'; message: string };
}

export async function readProjectDatabase(input: ProjectDatabaseInput): Promise<ProjectDatabase> {
  const folder = path.dirname(path.resolve(input.config.configFile));
  const { config, processEnv, dotenv } = input;
  const resolved =
    input.resolved ??
    resolveDatabaseUrl({
      config,
      processEnv,
      dotenv,
      dotenvFile: input.dotenvFile,
      settingUrl: input.overrideUrl,
      settingName: input.overrideLabel,
    });
  if (!resolved.url) {
    return {
      result: {
        status: 'unresolved',
        message: resolved.unresolved ?? 'The database URL is not readable without running Python.',
      },
    };
  }
  const reach = input.hostUrl?.(resolved.url);
  if (reach && 'askAlembic' in reach) return { result: { status: 'unresolved', message: reach.askAlembic } };
  const url = reach?.url ?? resolved.url;
  const parsed = parseDatabaseUrl(url, folder);
  const described = {
    database: describeDatabase(url, folder),
    source: joined(resolved.source && describeUrlSource(resolved.source, folder), reach?.note),
    urlSource: resolved.source,
    local: isLocalDatabase(url, folder),
    dialect: parsed.ok ? parsed.url.kind : undefined,
    sqliteFile: parsed.ok ? parsed.url.sqliteFile : undefined,
  };
  const result = await readDatabaseRevisions(url, {
    cwd: folder,
    versionTable: resolved.versionTable,
    schema: resolved.versionTableSchema,
    timeoutMs: input.timeoutMs,
  });
  if (result.status === 'unreachable' || result.status === 'unsupported') {
    return { ...described, result: { ...result, message: maskSecrets(result.message, url) } };
  }
  // Desktop VS Code cannot load better-sqlite3: say that the runtime's node:sqlite read it.
  if (result.status === 'ok' && result.via) {
    return { ...described, source: joined(described.source, `read with ${result.via}`), result };
  }
  return { ...described, result };
}

function joined(...parts: Array<string | undefined>): string | undefined {
  return parts.filter(Boolean).join(', ') || undefined;
}
