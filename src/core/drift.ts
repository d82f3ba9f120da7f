// The answer of media/python/alembic_lens_drift.py (the models compared with the database by
// Alembic's own autogenerate, as `alembic check` does), parsed, and each difference said in words.

export type DriftKind =
  | 'add_table'
  | 'remove_table'
  | 'add_column'
  | 'remove_column'
  | 'modify_type'
  | 'modify_nullable'
  | 'modify_default'
  | 'modify_comment'
  | 'add_index'
  | 'remove_index'
  | 'add_constraint'
  | 'remove_constraint'
  | 'add_fk'
  | 'remove_fk'
  | 'add_table_comment'
  | 'remove_table_comment'
  | (string & {});

export interface DriftDiff {
  /** compare_metadata's kind: `add_*` is in the models only, `remove_*` in the database only. */
  kind: DriftKind;
  table?: string;
  schema?: string;
  column?: string;
  /** Alembic's operation, in words: "add column users.email (VARCHAR(255), nullable)". */
  detail: string;
  /** modify_*: what the database has. */
  database?: string;
  /** modify_*: what the models say. */
  models?: string;
}

export type DriftErrorCode = 'not-up-to-date' | 'no-target-metadata' | 'error' | 'no-output';

export type DriftResult =
  | { ok: true; diffs: DriftDiff[] }
  /** `error` is empty when the helper printed nothing: its stderr says more. */
  | { ok: false; error: string; code: DriftErrorCode };

/** Reads the helper's stdout: the last line that is its JSON object (anything printed before is ignored). */
export function parseDriftOutput(stdout: string): DriftResult {
  const lines = stdout
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i].startsWith('{')) continue;
    let value: unknown;
    try {
      value = JSON.parse(lines[i]);
    } catch {
      continue;
    }
    if (!value || typeof value !== 'object' || !('ok' in value)) continue;
    const answer = value as { ok: unknown; diffs?: unknown; error?: unknown; code?: unknown };
    if (answer.ok === true) {
      const diffs = Array.isArray(answer.diffs) ? answer.diffs.filter(isDiffLike).map(toDiff) : [];
      return { ok: true, diffs };
    }
    const code =
      typeof answer.code === 'string' && ['not-up-to-date', 'no-target-metadata', 'error'].includes(answer.code)
        ? (answer.code as DriftErrorCode)
        : 'error';
    return { ok: false, error: typeof answer.error === 'string' ? answer.error : 'the drift check failed', code };
  }
  const shown = stdout.trim();
  return {
    ok: false,
    error: shown ? `unreadable answer from the drift helper: ${shown.slice(0, 200)}` : '',
    code: 'no-output',
  };
}

function isDiffLike(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && typeof (value as { kind?: unknown }).kind === 'string';
}

function toDiff(raw: Record<string, unknown>): DriftDiff {
  const text = (key: string): string | undefined => (typeof raw[key] === 'string' ? (raw[key] as string) : undefined);
  const diff: DriftDiff = { kind: raw.kind as string, detail: text('detail') ?? '' };
  for (const key of ['table', 'schema', 'column', 'database', 'models'] as const) {
    const value = text(key);
    if (value !== undefined) diff[key] = value;
  }
  return diff;
}

/** One difference in words, from the models' point of view: "Column users.email: in the models, not in the database". */
export function describeDiff(diff: DriftDiff): string {
  const table = diff.table ? (diff.schema ? `${diff.schema}.${diff.table}` : diff.table) : undefined;
  const column = table && diff.column ? `${table}.${diff.column}` : diff.column;
  const onlyModels = 'in the models, not in the database';
  const onlyDatabase = 'in the database, not in the models';
  const both = (what: string): string =>
    diff.database !== undefined && diff.models !== undefined
      ? `${what}: ${diff.models} in the models, ${diff.database} in the database`
      : `${what} differs`;
  switch (diff.kind) {
    case 'add_table':
      return `Table ${table ?? '?'}: ${onlyModels}`;
    case 'remove_table':
      return `Table ${table ?? '?'}: ${onlyDatabase}`;
    case 'add_column':
      return `Column ${column ?? '?'}: ${onlyModels}`;
    case 'remove_column':
      return `Column ${column ?? '?'}: ${onlyDatabase}`;
    case 'modify_type':
      return `Column ${column ?? '?'}: ${both('type')}`;
    case 'modify_nullable':
      return `Column ${column ?? '?'}: ${diff.models !== undefined && diff.database !== undefined ? `${diff.models} in the models, ${diff.database} in the database` : 'nullability differs'}`;
    case 'modify_default':
      return `Column ${column ?? '?'}: ${both('server default')}`;
    case 'modify_comment':
      return `Column ${column ?? '?'}: ${both('comment')}`;
    case 'add_index':
    case 'add_constraint':
    case 'add_fk':
      return `${capitalized(what(diff.kind))}${table ? ` on ${table}` : ''}: ${onlyModels}${detailName(diff)}`;
    case 'remove_index':
    case 'remove_constraint':
    case 'remove_fk':
      return `${capitalized(what(diff.kind))}${table ? ` on ${table}` : ''}: ${onlyDatabase}${detailName(diff)}`;
    case 'add_table_comment':
    case 'remove_table_comment':
      return `Table ${table ?? '?'}: comment differs`;
    default:
      return diff.detail || `${diff.kind.replace(/_/g, ' ')}${table ? ` ${table}` : ''}`;
  }
}

function what(kind: string): string {
  return kind.endsWith('_fk') ? 'foreign key' : kind.endsWith('_index') ? 'index' : 'constraint';
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The index or constraint name from the detail ("add index ix_users_email on users(email)"). */
function detailName(diff: DriftDiff): string {
  const m = /^(?:add|remove) (?:unique )?(?:index|constraint|foreign key) (?:unique )?(\S+)/.exec(diff.detail);
  return m && m[1] !== '(unnamed)' ? ` (${m[1]})` : '';
}
