// What a revision file does to tables, read statically: the `op.*` calls of its upgrade() and
// downgrade() (and `batch_op.*` inside `with op.batch_alter_table(...)`, the shape autogenerate writes
// for SQLite), with the table, the column and the line of each. Then, over the whole history, when each
// table was created, last changed and dropped (tableHistory.ts): what the model CodeLens shows.
import {
  calleeName,
  findAtDepth0,
  keyword,
  matchBrackets,
  type PyExpr,
  type PyLine,
  type PySource,
  type PyToken,
  parseCallAt,
  parseExpression,
  readAssignments,
  renderTokens,
  singleStringArgument,
  splitAtDepth0,
  stringValue,
  tokenizePython,
} from '../python';
import { integerValue } from './columnTypes';

export interface TableOp {
  /** The operation's name (`add_column`), the same for `op.x` and `batch_op.x`. */
  op: string;
  table: string;
  column?: string;
  /** 1-based line of the call. */
  line: number;
  /** The call's arguments, as source text (spacing normalized). */
  args: string;
  schema?: string;
  /** Inside `with op.batch_alter_table(...)`. */
  batch?: boolean;
  /** rename_table's new table name; alter_column's `new_column_name`. */
  newName?: string;
  /** The index or constraint name, when the operation has one. */
  name?: string;
  /** create_table: the columns it creates; create_index and constraints: the columns they cover. */
  columns?: string[];
}

export interface MigrationOps {
  upgrade: TableOp[];
  downgrade: TableOp[];
}

export type CallExpr = PyExpr & { k: 'call' };

/** A TableOp with its parsed call, for the lint rules. */
export interface MigrationCall extends TableOp {
  call: CallExpr;
  /** The argument named `name` (keyword, or positional in Alembic's signature). */
  arg(name: string): PyExpr | undefined;
}

export interface MigrationFunction {
  name: 'upgrade' | 'downgrade';
  /** Line of `def`. */
  line: number;
  /** Nothing but `pass`, `...` or a docstring. */
  empty: boolean;
  /** Line of the body's first statement (the `pass` of an empty one). */
  firstLine: number;
  /** The body raises (`raise NotImplementedError(...)`): a deliberate one-way migration. */
  raises: boolean;
  ops: MigrationCall[];
  /** `op.execute(...)` calls, with their SQL when it is a literal. */
  executes: Array<{ line: number; sql?: string; call?: string }>;
  /** Table operations whose table name only Python can compute (a call, an imported constant...). */
  unresolved: Array<{ op: string; line: number }>;
}

export interface ParsedMigration {
  upgrade?: MigrationFunction;
  downgrade?: MigrationFunction;
  /** Module-level integer constants (`MAX_LENGTH = 5_000`), for the lengths of column types. */
  numbers: Map<string, number>;
}

interface Signature {
  /** Positional parameters of `op.<name>`, as Alembic declares them. */
  params: string[];
  /** Positional parameters of `batch_op.<name>` (no table). */
  batch?: string[];
  table: string;
  /** The column's name parameter, or the parameter holding a `Column(...)`. */
  column?: string;
  columnExpr?: string;
  newName?: string;
  name?: string;
  /** Older Alembic keyword names. */
  aliases?: Record<string, string>;
}

const SIGNATURES: Record<string, Signature> = {
  create_table: { params: ['table_name'], table: 'table_name', aliases: { table_name: 'name' } },
  drop_table: { params: ['table_name'], table: 'table_name', aliases: { table_name: 'name' } },
  rename_table: { params: ['old_table_name', 'new_table_name'], table: 'old_table_name', newName: 'new_table_name' },
  add_column: { params: ['table_name', 'column'], batch: ['column'], table: 'table_name', columnExpr: 'column' },
  drop_column: {
    params: ['table_name', 'column_name'],
    batch: ['column_name'],
    table: 'table_name',
    column: 'column_name',
  },
  alter_column: {
    params: ['table_name', 'column_name'],
    batch: ['column_name'],
    table: 'table_name',
    column: 'column_name',
    newName: 'new_column_name',
  },
  create_index: {
    params: ['index_name', 'table_name', 'columns'],
    batch: ['index_name', 'columns'],
    table: 'table_name',
    name: 'index_name',
    aliases: { index_name: 'name' },
  },
  drop_index: {
    params: ['index_name', 'table_name'],
    batch: ['index_name'],
    table: 'table_name',
    name: 'index_name',
    aliases: { index_name: 'name' },
  },
  create_foreign_key: {
    params: ['constraint_name', 'source_table', 'referent_table', 'local_cols', 'remote_cols'],
    batch: ['constraint_name', 'referent_table', 'local_cols', 'remote_cols'],
    table: 'source_table',
    name: 'constraint_name',
    aliases: { source_table: 'source', referent_table: 'referent', constraint_name: 'name' },
  },
  create_unique_constraint: {
    params: ['constraint_name', 'table_name', 'columns'],
    batch: ['constraint_name', 'columns'],
    table: 'table_name',
    name: 'constraint_name',
    aliases: { table_name: 'source', constraint_name: 'name' },
  },
  create_check_constraint: {
    params: ['constraint_name', 'table_name', 'condition'],
    batch: ['constraint_name', 'condition'],
    table: 'table_name',
    name: 'constraint_name',
    aliases: { table_name: 'source', constraint_name: 'name' },
  },
  create_primary_key: {
    params: ['constraint_name', 'table_name', 'columns'],
    batch: ['constraint_name', 'columns'],
    table: 'table_name',
    name: 'constraint_name',
    aliases: { constraint_name: 'name' },
  },
  create_exclude_constraint: {
    params: ['constraint_name', 'table_name'],
    batch: ['constraint_name'],
    table: 'table_name',
    name: 'constraint_name',
  },
  drop_constraint: {
    params: ['constraint_name', 'table_name', 'type_'],
    batch: ['constraint_name', 'type_'],
    table: 'table_name',
    name: 'constraint_name',
    aliases: { constraint_name: 'name' },
  },
  create_table_comment: { params: ['table_name', 'comment'], batch: ['comment'], table: 'table_name' },
  drop_table_comment: { params: ['table_name'], batch: [], table: 'table_name' },
  bulk_insert: { params: ['table', 'rows'], table: 'table' },
};

/** The table operations of a revision's upgrade() and downgrade(). */
export function migrationOps(text: string): MigrationOps {
  const parsed = parseMigration(text);
  const plain = (fn: MigrationFunction | undefined): TableOp[] =>
    (fn?.ops ?? []).map(({ call: _call, arg: _arg, ...op }) => op);
  return { upgrade: plain(parsed.upgrade), downgrade: plain(parsed.downgrade) };
}

/**
 * upgrade() and downgrade() of a revision file: emptiness, and every table operation with its call. Takes
 * the text, or its tokens when the caller has them already.
 */
export function parseMigration(text: string | PySource): ParsedMigration {
  const source = typeof text === 'string' ? tokenizePython(text) : text;
  const lines = source.lines;
  const constants = new Map<string, string>();
  const numbers = new Map<string, number>();
  for (const line of lines) if (line.indent === 0) collectConstants(line.tokens, constants, numbers);
  const result: ParsedMigration = { numbers };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.indent !== 0) continue;
    const tokens = line.tokens;
    const isDef = tokens[0]?.v === 'def' || (tokens[0]?.v === 'async' && tokens[1]?.v === 'def');
    if (!isDef) continue;
    const nameToken = tokens[tokens[0].v === 'async' ? 2 : 1];
    // The multidb template dispatches upgrade(engine_name) to upgrade_<engine>(): those count as upgrade().
    const match = /^(upgrade|downgrade)(_\w+)?$/.exec(nameToken?.v ?? '');
    if (!match) continue;
    const name = match[1] as 'upgrade' | 'downgrade';
    // The body: the rest of the header line after its ':', then the indented lines that follow.
    const body: PyLine[] = [];
    const open = tokens.findIndex((tk) => tk.t === 'op' && tk.v === '(');
    const close = open >= 0 ? (matchBrackets(tokens).get(open) ?? open) : 0;
    const colon = findAtDepth0(tokens, close + 1, tokens.length, ':');
    if (colon >= 0 && colon + 1 < tokens.length)
      body.push({ indent: 1, line: tokens[colon + 1].line, tokens: tokens.slice(colon + 1) });
    let j = i + 1;
    for (; j < lines.length && lines[j].indent > 0; j++) body.push(lines[j]);
    const fn = readFunction(name, line.line, body, new Map(constants));
    const main = result[name];
    if (!match[2]) {
      const merged = main && {
        ops: [...main.ops, ...fn.ops],
        executes: [...main.executes, ...fn.executes],
        unresolved: [...main.unresolved, ...fn.unresolved],
      };
      result[name] = merged ? { ...fn, ...merged } : fn;
    } else if (main) {
      main.ops.push(...fn.ops);
      main.executes.push(...fn.executes);
      main.unresolved.push(...fn.unresolved);
    } else result[name] = { ...fn, empty: false };
    i = j - 1;
  }
  return result;
}

/**
 * `NAME = "text"` (for table and column names), `users = sa.table("users", ...)` (for bulk_insert) and, at
 * module level, `LENGTH = 5_000` (for type lengths).
 */
function collectConstants(tokens: PyToken[], into: Map<string, string>, numbers?: Map<string, number>): void {
  if (tokens[0]?.t !== 'name' || !tokens.some((tk) => tk.t === 'op' && tk.v === '=')) return;
  for (const a of readAssignments(tokens)) {
    if (numbers) {
      const value = a.value && integerValue(a.value);
      if (value !== undefined) numbers.set(a.target, value);
      else numbers.delete(a.target);
    }
    const value = stringValue(a.value);
    if (value !== undefined) into.set(a.target, value);
    else into.delete(a.target);
    const tableName =
      a.value?.k === 'call' && /^[Tt]able$/.test(calleeName(a.value) ?? '') ? stringValue(a.value.args[0]) : undefined;
    if (tableName !== undefined) into.set(`${TABLE_PREFIX}${a.target}`, tableName);
    else into.delete(`${TABLE_PREFIX}${a.target}`);
  }
}

interface BatchScope {
  indent: number;
  alias: string;
  table?: string;
  schema?: string;
}

function readFunction(
  name: 'upgrade' | 'downgrade',
  defLine: number,
  body: PyLine[],
  constants: Map<string, string>,
): MigrationFunction {
  const fn: MigrationFunction = {
    name,
    line: defLine,
    empty: true,
    firstLine: body[0]?.line ?? defLine,
    raises: false,
    ops: [],
    executes: [],
    unresolved: [],
  };
  const scopes: BatchScope[] = [];
  /** Names bound to the migration's connection (`conn = op.get_bind()`): their execute() runs SQL too. */
  const binds = new Set<string>();
  for (let index = 0; index < body.length; index++) {
    const line = body[index];
    const tokens = line.tokens;
    if (tokens[1]?.v === '=' && tokens[0].t === 'name') binds.delete(tokens[0].v);
    if (tokens[1]?.v === '=' && isGetBind(tokens, 2) && tokens.length === 7) binds.add(tokens[0].v);
    while (scopes.length && scopes[scopes.length - 1].indent >= line.indent) scopes.pop();
    const first = tokens[0];
    const isDocstring = index === 0 && tokens.every((tk) => tk.t === 'str');
    if (!(first.t === 'name' && first.v === 'pass') && !(first.t === 'op' && first.v === '...') && !isDocstring)
      fn.empty = false;
    if (first.t === 'name' && first.v === 'raise') fn.raises = true;
    collectConstants(tokens, constants);

    let from = 0;
    const withAt =
      first.t === 'name' && first.v === 'with' ? 0 : first.v === 'async' && tokens[1]?.v === 'with' ? 1 : -1;
    if (withAt >= 0) {
      const colon = findAtDepth0(tokens, withAt + 1, tokens.length, ':');
      const end = colon < 0 ? tokens.length : colon;
      for (const [a, b] of splitAtDepth0(tokens, withAt + 1, end, ',')) {
        const asIndex = tokens.slice(a, b).findIndex((tk) => tk.t === 'name' && tk.v === 'as') + a;
        if (asIndex < a) continue;
        const alias = tokens[asIndex + 1];
        const expr = parseExpression(tokens, a, asIndex);
        if (
          expr.k === 'call' &&
          expr.func.k === 'attr' &&
          expr.func.name === 'batch_alter_table' &&
          alias?.t === 'name'
        ) {
          scopes.push({
            indent: line.indent,
            alias: alias.v,
            table: resolveString(expr.args[0] ?? keyword(expr, 'table_name'), constants),
            schema: resolveString(keyword(expr, 'schema'), constants),
          });
        }
      }
      from = end;
    }
    // Matched only for a line with a call to read: most lines of a data migration take the shortcut below.
    let brackets: Map<number, number> | undefined;
    for (let i = from; i < tokens.length; i++) {
      const tk = tokens[i];
      if (tk.t !== 'name' || tokens[i + 1]?.v !== '(' || tokens[i - 1]?.v !== '.') continue;
      // The connection's execute (`conn.execute(sa.text("..."))`, `op.get_bind().execute(...)`): its literal SQL.
      const onBind = (tokens[i - 2]?.t === 'name' && binds.has(tokens[i - 2].v)) || isGetBind(tokens, i - 6);
      if (onBind && (tk.v === 'execute' || tk.v === 'exec_driver_sql')) {
        brackets ??= matchBrackets(tokens);
        const parsed = parseCallAt(tokens, i, brackets);
        const sql = parsed?.k === 'call' ? resolveString(unwrapText(parsed.args[0]), constants) : undefined;
        const call = tokens[i - 2].t === 'name' ? tokens[i - 2].v : 'op.get_bind()';
        if (sql !== undefined) fn.executes.push({ line: tokens[i - 2].line, sql, call: `${call}.${tk.v}` });
        continue;
      }
      if (tokens[i - 2]?.t !== 'name') continue;
      if (tokens[i - 3]?.t === 'op' && tokens[i - 3].v === '.') continue; // `self.op.x(...)`: not Alembic's op
      const receiver = tokens[i - 2].v;
      const scope = innermostScope(scopes, receiver);
      if (!scope && receiver !== 'op') continue;
      if (tk.v === 'execute' && !scope) {
        const literal = singleStringArgument(tokens, i + 1);
        if (literal !== undefined) {
          fn.executes.push({ line: tokens[i - 2].line, sql: literal });
          continue;
        }
      }
      brackets ??= matchBrackets(tokens);
      const call = parseCallAt(tokens, i, brackets);
      if (call?.k !== 'call') continue;
      if (tk.v === 'execute' && !scope) {
        fn.executes.push({
          line: tokens[i - 2].line,
          sql: resolveString(unwrapText(call.args[0] ?? keyword(call, 'sqltext')), constants),
        });
        continue;
      }
      const op = readOp(
        tk.v,
        call,
        scope,
        constants,
        tokens,
        i + 1,
        brackets.get(i + 1) ?? tokens.length,
        tokens[i - 2].line,
      );
      if (op) fn.ops.push(op);
      else if (SIGNATURES[tk.v] && (!scope || SIGNATURES[tk.v].batch)) {
        // A known operation whose table only Python can name: noted, so that nothing is concluded about it.
        fn.unresolved.push({ op: tk.v, line: tokens[i - 2].line });
      }
    }
  }
  return fn;
}

/** `op.get_bind()` at tokens[at]. */
function isGetBind(tokens: readonly PyToken[], at: number): boolean {
  return at >= 0 && ['op', '.', 'get_bind', '(', ')'].every((v, k) => tokens[at + k]?.v === v);
}

/** The innermost open `with op.batch_alter_table(...) as <alias>` scope named `alias`. */
function innermostScope(scopes: readonly BatchScope[], alias: string): BatchScope | undefined {
  for (let i = scopes.length - 1; i >= 0; i--) if (scopes[i].alias === alias) return scopes[i];
  return undefined;
}

function readOp(
  opName: string,
  call: CallExpr,
  scope: BatchScope | undefined,
  constants: Map<string, string>,
  tokens: PyToken[],
  open: number,
  close: number,
  line: number,
): MigrationCall | undefined {
  const signature = SIGNATURES[opName];
  if (!signature || (scope && !signature.batch)) return undefined;
  const params = scope ? signature.batch! : signature.params;
  const arg = (name: string): PyExpr | undefined => {
    const kw = keyword(call, name) ?? (signature.aliases?.[name] ? keyword(call, signature.aliases[name]) : undefined);
    if (kw) return kw;
    const at = params.indexOf(name);
    return at >= 0 ? call.args[at] : undefined;
  };
  let table: string | undefined;
  if (scope) table = scope.table;
  else if (opName === 'bulk_insert') table = tableOfTableExpr(arg('table'), constants);
  else table = resolveString(arg(signature.table), constants);
  if (table === undefined) return undefined;
  const op: MigrationCall = { op: opName, table, line, args: renderTokens(tokens, open + 1, close), call, arg };
  const schema = scope ? scope.schema : resolveString(keyword(call, 'schema'), constants);
  if (schema !== undefined) op.schema = schema;
  if (scope) op.batch = true;
  if (signature.column) {
    const column = resolveString(arg(signature.column), constants);
    if (column !== undefined) op.column = column;
  } else if (signature.columnExpr) {
    const columnCall = arg(signature.columnExpr);
    const column =
      columnCall?.k === 'call'
        ? resolveString(columnCall.args[0] ?? keyword(columnCall, 'name'), constants)
        : undefined;
    if (column !== undefined) op.column = column;
  }
  if (signature.newName) {
    const newName = resolveString(arg(signature.newName), constants);
    if (newName !== undefined) op.newName = newName;
  }
  if (signature.name) {
    const name = resolveString(arg(signature.name), constants);
    if (name !== undefined) op.name = name;
  }
  if (opName === 'create_table') {
    op.columns = call.args
      .slice(1)
      .filter((a): a is CallExpr => a.k === 'call' && calleeName(a) === 'Column')
      .map((a) => resolveString(a.args[0] ?? keyword(a, 'name'), constants))
      .filter((c): c is string => c !== undefined);
  } else if (opName === 'create_index' || opName === 'create_unique_constraint' || opName === 'create_primary_key') {
    const list = arg('columns');
    const columns =
      list?.k === 'seq'
        ? list.items.map((c) => resolveString(c, constants)).filter((c): c is string => c !== undefined)
        : [];
    if (columns.length) op.columns = columns;
  }
  return op;
}

/** A string literal, a constant of the file, or `op.f("name")`. */
function resolveString(expr: PyExpr | undefined, constants: Map<string, string>): string | undefined {
  if (!expr) return undefined;
  if (expr.k === 'str') return expr.value;
  if (expr.k === 'name') return constants.get(expr.id);
  if (expr.k === 'call' && calleeName(expr) === 'f' && expr.args.length === 1)
    return resolveString(expr.args[0], constants);
  return undefined;
}

/** The SQL of `text("...")` / `sa.text("...")`, which op.execute runs as the string itself. */
function unwrapText(expr: PyExpr | undefined): PyExpr | undefined {
  if (expr?.k !== 'call' || calleeName(expr) !== 'text') return expr;
  return expr.args[0] ?? expr.kwargs.find((kw) => kw.name === 'text')?.value;
}

/** bulk_insert's table: `sa.table("users", ...)` (or `sa.Table`), or a name assigned one in the file. */
function tableOfTableExpr(expr: PyExpr | undefined, constants: Map<string, string>): string | undefined {
  if (!expr) return undefined;
  if (expr.k === 'call' && /^[Tt]able$/.test(calleeName(expr) ?? '')) return resolveString(expr.args[0], constants);
  if (expr.k === 'name') return constants.get(`${TABLE_PREFIX}${expr.id}`);
  return undefined;
}

const TABLE_PREFIX = '\0table:';

/**
 * The columns the `PrimaryKeyConstraint('a', 'b')` calls among `args` (create_table's) name as literals, and
 * whether every name was a literal (a constant or an expression leaves the set incomplete).
 */
export function primaryKeyConstraintNames(args: readonly (PyExpr | undefined)[]): {
  names: Set<string>;
  allLiteral: boolean;
} {
  const names = new Set<string>();
  let allLiteral = true;
  for (const arg of args) {
    if (arg?.k !== 'call' || calleeName(arg) !== 'PrimaryKeyConstraint') continue;
    for (const column of arg.args) {
      const name = stringValue(column);
      if (name === undefined) allLiteral = false;
      else names.add(name);
    }
  }
  return { names, allLiteral };
}
