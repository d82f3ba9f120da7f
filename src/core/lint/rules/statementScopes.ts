// Where each statement of a revision file stands: the function it is in (upgrade, downgrade, a
// helper), and the blocks around it that change what it does: `with op.get_context().autocommit_block():`
// (outside the migration's transaction) and a guard against offline mode (`if not
// context.is_offline_mode():`, the `else` of `if context.is_offline_mode():`, or code after an early
// `return` from that `if`; the tests offlineGuards.ts reads).
import { leadingTokens, type PyLine, type PySource, type PyToken, walkStatements } from '../../python';
import { type OfflineTests, offlineTests, type Truth, truthOf } from './offlineGuards';

interface Block {
  indent: number;
  keyword: string;
  /** The header up to its colon. */
  header: PyToken[];
  /** The function a `def` block defines. */
  name?: string;
  /** Its body runs only online. */
  online: boolean;
  /** Its body runs only offline (`if context.is_offline_mode():`). */
  offline: boolean;
  /** An `if` whose test, when false, means online: a `return` in its body leaves only online code after it. */
  exitOnline?: boolean;
  /** Its body runs only on these databases (`if is_postgres():`) or never on those (`if dialect != "sqlite":`). */
  onlyOn?: string[];
  notOn?: string[];
}

export interface Statement {
  line: number;
  /** The statement's tokens; for a compound statement, its header only. */
  tokens: PyToken[];
  /** The enclosing blocks, outermost first. */
  blocks: readonly Block[];
}

/**
 * A statement that reads its tokens from its logical line on each use (a new array each time, see
 * packedTokens.ts): the 100,000s of statements of a data migration keep no tokens alive. A compound
 * statement keeps its header.
 */
class LineStatement implements Statement {
  private header?: PyToken[];

  constructor(
    readonly line: number,
    private readonly source: PyLine | PyToken[],
    readonly blocks: readonly Block[],
  ) {}

  get tokens(): PyToken[] {
    return this.header ?? (Array.isArray(this.source) ? this.source : this.source.tokens);
  }

  set tokens(header: PyToken[]) {
    this.header = header;
  }

  get first(): PyToken | undefined {
    if (this.header) return this.header[0];
    return Array.isArray(this.source) ? this.source[0] : leadingTokens(this.source, 1)[0];
  }
}

/** A statement's first token, without making the others of a statement read from its line. */
export function firstToken(statement: Statement): PyToken | undefined {
  return statement instanceof LineStatement ? statement.first : statement.tokens[0];
}

export interface StatementScopes {
  statements: Statement[];
  /** The statements of the top-level `upgrade()` (and the multidb template's `upgrade_<engine>()`). */
  upgradeStatements: Statement[];
  /** The statement a line belongs to (the last one starting at or before it). */
  at(line: number): Statement | undefined;
  inAutocommitBlock(line: number): boolean;
  /** Only runs online: guarded by `context.is_offline_mode()` (a statement: an inline body shares its line with its `if`). */
  statementOnlineOnly(statement: Statement): boolean;
  /** The file's names and functions that test offline mode (`offline = context.is_offline_mode()`). */
  offlineTests: OfflineTests;
  /** Whether the line can run on `dialect`: no enclosing test of the database excludes it. */
  runsOn(line: number, dialect: string): boolean;
}

/** The statements of `source` and their blocks; built once per revision record (revisionRules.ts). */
export function statementScopes(source: PySource): StatementScopes {
  const statements: Statement[] = [];
  const stack: Block[] = [];
  const lastIf = new Map<number, Block>();
  const tests = offlineTests(source);
  /** The tests of the `if`/`elif` chain (or `while`) open at each indent, for its `elif` and `else`. */
  const chains = new Map<number, Truth[]>();
  /** Early exits when offline (`if context.is_offline_mode(): return`): the blocks around each, and its line. */
  const earlyExits: Array<{ line: number; around: Block[] }> = [];
  const block = (keyword: string, tokens: PyToken[], colon: number, indent: number): Block => {
    const header = colon < 0 ? tokens : tokens.slice(0, colon);
    const current = statements[statements.length - 1];
    if (current) current.tokens = header;
    const tested = keyword === 'if' || keyword === 'elif' || keyword === 'while';
    const test = tested ? truthOf(header, 1, header.length, tests) : {};
    // An elif or else runs only when every test before it in the chain was false.
    const before = keyword === 'elif' || keyword === 'else' ? (chains.get(indent) ?? []) : [];
    const earlierOnline = before.some((t) => t.f === 'online');
    const earlierOffline = before.some((t) => t.f === 'offline');
    const online = test.t === 'online' || earlierOnline;
    const offline = test.t === 'offline' || earlierOffline;
    if (keyword === 'if' || keyword === 'while') chains.set(indent, [test]);
    else if (keyword === 'elif') chains.get(indent)?.push(test);
    else if (keyword !== 'else') chains.delete(indent);
    const made: Block = { indent, keyword, header, online, offline };
    if (keyword === 'if' && test.f === 'online') made.exitOnline = true;
    const dialects = dialectsTested(header);
    const negative = header.some((tk) => (tk.t === 'name' && tk.v === 'not') || (tk.t === 'op' && tk.v === '!='));
    if ((keyword === 'if' || keyword === 'elif') && dialects.length) {
      if (negative) made.notOn = dialects;
      else made.onlyOn = dialects;
    } else if (keyword === 'else') {
      const test = lastIf.get(indent);
      if (test?.onlyOn) made.notOn = test.onlyOn;
      if (test?.notOn) made.onlyOn = test.notOn;
    }
    if (keyword === 'if' || keyword === 'elif') lastIf.set(indent, made);
    return made;
  };
  walkStatements<Block>(source.lines, stack, {
    statementStart(tokens, _indent, line, whole) {
      // Consecutive statements in the same blocks share one copy (a data migration has 100,000s).
      const previous = statements[statements.length - 1]?.blocks;
      const blocks = previous && sameBlocks(previous, stack) ? previous : [...stack];
      statements.push(new LineStatement(line, whole ?? tokens, blocks));
    },
    decorator() {},
    def(tokens, nameAt, indent) {
      const made = block('def', tokens, -1, indent);
      made.name = tokens[nameAt]?.v;
      return made;
    },
    class(tokens, indent) {
      return block('class', tokens, -1, indent);
    },
    compound(keyword, tokens, colon, indent) {
      return block(keyword, tokens, colon, indent);
    },
    simple(tokens, line) {
      const exiting = tokens[0]?.t === 'name' && (tokens[0].v === 'return' || tokens[0].v === 'raise');
      const innermost = stack[stack.length - 1];
      if (exiting && innermost?.exitOnline) earlyExits.push({ line, around: stack.slice(0, -1) });
    },
  });
  // The rules ask about the lines in order: the statement found last, or the next one, is most often the answer.
  let last = 0;
  const at = (line: number): Statement | undefined => {
    for (const guess of [last, last + 1]) {
      const next = statements[guess + 1];
      if (statements[guess]?.line <= line && (next === undefined || next.line > line)) {
        last = guess;
        return statements[guess];
      }
    }
    let lo = 0;
    let hi = statements.length - 1;
    let found: Statement | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (statements[mid].line <= line) {
        found = statements[mid];
        last = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
  let autocommitAsked: readonly Block[] | undefined;
  let autocommitAnswer = false;
  const result: StatementScopes = {
    runsOn: () => true,
    statements,
    upgradeStatements: statements.filter(inUpgrade),
    at,
    inAutocommitBlock: (line) => {
      const blocks = at(line)?.blocks;
      if (!blocks) return false;
      // Consecutive statements share their blocks (statementStart): asked again, the same answer.
      if (blocks !== autocommitAsked) {
        autocommitAsked = blocks;
        autocommitAnswer = blocks.some((b) => b.keyword === 'with' && mentions(b.header, 'autocommit_block'));
      }
      return autocommitAnswer;
    },
    statementOnlineOnly: (statement) => {
      if (statement.blocks.some((b) => b.online)) return true;
      if (statement.blocks.some((b) => b.offline)) return false;
      // After an early exit, in the blocks that held it (not in an `else` of an outer `if`, nor in another function).
      return earlyExits.some(
        (exit) =>
          exit.line < statement.line &&
          exit.around.length <= statement.blocks.length &&
          exit.around.every((b, i) => statement.blocks[i] === b),
      );
    },
    offlineTests: tests,
  };
  result.runsOn = (line, dialect) =>
    !at(line)?.blocks.some((b) => (b.onlyOn && !b.onlyOn.includes(dialect)) || b.notOn?.includes(dialect));
  return result;
}

const DIALECT_WORDS: Array<[RegExp, string]> = [
  [/postgres/i, 'postgresql'],
  [/sqlite/i, 'sqlite'],
  [/mysql/i, 'mysql'],
  [/mariadb/i, 'mariadb'],
  [/mssql/i, 'mssql'],
  [/oracle/i, 'oracle'],
];

/** The databases a test names: `op.get_context().dialect.name == "postgresql"`, `is_postgres()`. */
function dialectsTested(header: readonly PyToken[]): string[] {
  const found = new Set<string>();
  for (const tk of header) {
    if (tk.t !== 'str' && tk.t !== 'name') continue;
    for (const [word, dialect] of DIALECT_WORDS) if (word.test(tk.v)) found.add(dialect);
  }
  if (found.has('mysql')) found.add('mariadb');
  return [...found];
}

function sameBlocks(a: readonly Block[], b: readonly Block[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function mentions(tokens: readonly PyToken[], name: string): boolean {
  return tokens.some((tk) => tk.t === 'name' && tk.v === name);
}

/** A statement of the top-level `upgrade()` (or the multidb template's `upgrade_<engine>()`). */
function inUpgrade(statement: Statement): boolean {
  const fn = statement.blocks.find((b) => b.keyword === 'def');
  return fn !== undefined && fn.indent === 0 && /^upgrade(_\w+)?$/.test(fn.name ?? '');
}
