// A project's database URL: the env.py analyzer (envPy.ts: what env.py does with the URL, read without
// running it) and the precedence rules (resolve.ts: the URL Alembic would use and its typed source).

export {
  findUrlSource,
  type SourceLocation,
  type UrlOrigin,
  type UrlSource,
  type UrlSourceOptions,
  urlSourceForConfig,
} from './envPy';
export {
  type DatabaseUrlSource,
  describeUrlSource,
  type ResolvedUrl,
  type ResolveUrlInput,
  resolveDatabaseUrl,
} from './resolve';
