// Shared plumbing for the differential tier: where things are, running Python and the CLI
// (in parallel, bounded), the truth's types, and order-insensitive comparison of the parts
// of Alembic's output whose order is hash order in Python.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';

export const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');
/** The Debian interpreter that has alembic 1.8.1 + SQLAlchemy (the pyenv `python3` does not). */
export const PYTHON = process.env.ALEMBIC_LENS_PYTHON ?? '/usr/bin/python3';
export const CLI = path.join(ROOT, 'dist', 'cli.js');
export const GEN = path.join(ROOT, 'test', 'alembic', 'gen_history.py');
/** ALEMBIC_LENS_FULL=1 runs every captured command, not only the `core` ones. */
export const FULL = process.env.ALEMBIC_LENS_FULL === '1';
/** ALEMBIC_LENS_KEEP=1 keeps the generated projects (their folder is printed). */
export const KEEP = process.env.ALEMBIC_LENS_KEEP === '1';

// ---------------------------------------------------------------------------------------------
// the truth (written by gen_history.py / gen_errors.py / alembic_truth.py)

export interface TruthRevision {
  revision: string;
  down_revision: string[];
  /** as written in the file (ids or branch labels) */
  dependencies: string[];
  /** branch labels resolved to ids */
  resolved_dependencies: string[];
  normalized_dependencies: string[];
  /** after Alembic's propagation; sorted (a set in Alembic) */
  branch_labels: string[];
  orig_branch_labels: string[];
  is_head: boolean;
  is_real_head: boolean;
  is_base: boolean;
  is_real_base: boolean;
  is_merge_point: boolean;
  is_branch_point: boolean;
  is_real_branch_point: boolean;
  nextrev: string[];
  all_nextrev: string[];
  path: string;
  doc: string;
  longdoc: string;
}

export interface TruthGraph {
  /** get_revisions("heads"), in Alembic's order */
  heads: string[];
  /** revision_map.heads (what `alembic heads` lists) */
  effective_heads: string[];
  real_heads: string[];
  bases: string[];
  real_bases: string[];
  revisions: TruthRevision[];
}

export interface TruthError {
  type: string;
  message: string;
  lineno?: number;
  filename?: string;
  cause?: { type: string; message: string };
  /** The function the exception was raised in (Alembic's, for an AssertionError). */
  where?: string;
}

export interface TruthConfig {
  configFile: string;
  section: string;
  scriptLocation: string;
  versionLocations: string[];
  recursiveVersionLocations: boolean;
  sourceless: boolean;
}

export interface TruthLoad {
  ok: boolean;
  graph?: TruthGraph;
  config?: TruthConfig;
  error?: TruthError;
  warnings: { category: string; message: string }[];
}

export interface TruthCommand {
  argv: string[];
  stdout: string;
  error: TruthError | null;
  /** distinct outputs Alembic can print (hash order of normalized dependencies), default first */
  alternatives?: string[];
  /** the same for an error message that names revisions in the order Alembic picked */
  errorAlternatives?: string[];
  category?: string;
  core?: boolean;
}

export interface RandomTruth {
  kind: 'random';
  seed: number;
  shape: string;
  template: string;
  idStyle: string;
  fileTemplate: string;
  scriptLocationForm: string;
  sepStyle: string | null;
  project: string;
  ini: string;
  section: string;
  cwd: string;
  cliArgs: string[];
  labels: string[];
  load: TruthLoad;
  commands: TruthCommand[];
}

export interface Expectation {
  codes: string[];
  severities: string[];
  files: string[];
  lineRange: [number, number];
  keywords: string[];
}

export interface CaseTruth {
  name: string;
  kind: 'error' | 'config' | 'valid';
  description: string;
  project: string;
  ini: string;
  section: string;
  cwd: string;
  cliArgs: string[];
  load: TruthLoad;
  rest: TruthLoad | null;
  expect: Expectation[];
  commands: TruthCommand[];
}

// ---------------------------------------------------------------------------------------------
// the CLI's JSON (the contract)

export interface LensProblem {
  severity: string;
  code: string;
  message: string;
  path: string;
  line: number;
}

export interface LensRevision {
  revision: string;
  downRevisions: string[];
  dependsOn: string[];
  branchLabels: string[];
  message: string;
  path: string;
  line: number;
  isHead: boolean;
  isBase: boolean;
  isMergePoint: boolean;
  isBranchPoint: boolean;
}

export interface LensGraph {
  /** What `alembic heads` lists: Alembic's revision_map.heads (effective heads). */
  heads: string[];
  /** get_revisions("heads"): heads that nothing depends on either. */
  realHeads: string[];
  bases: string[];
  revisions: LensRevision[];
  problems: LensProblem[];
}

export interface LensConfig {
  configFile: string;
  section: string;
  scriptLocation: string | null;
  versionLocations: string[];
  recursiveVersionLocations: boolean;
  sourceless: boolean;
  problems: LensProblem[];
}

// ---------------------------------------------------------------------------------------------
// processes

export interface RunResult {
  cmd: string;
  args: string[];
  cwd: string;
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
}

const CONCURRENCY = Math.max(2, Math.min(8, Number(process.env.ALEMBIC_LENS_JOBS) || os.cpus().length));
let active = 0;
const waiting: (() => void)[] = [];

async function slot<T>(fn: () => Promise<T>): Promise<T> {
  if (active >= CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
  active++;
  try {
    return await fn();
  } finally {
    active--;
    waiting.shift()?.();
  }
}

/** Runs a process (at most CONCURRENCY at once); never rejects. */
export function run(cmd: string, args: string[], cwd: string, timeoutMs = 60000): Promise<RunResult> {
  return slot(
    () =>
      new Promise<RunResult>((resolve) => {
        const started = Date.now();
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let child: ChildProcessByStdio<null, Readable, Readable>;
        try {
          child = spawn(cmd, args, {
            cwd,
            stdio: ['ignore', 'pipe', 'pipe'],
            env: { ...process.env, PYTHONHASHSEED: '0' },
          });
        } catch (e) {
          resolve({ cmd, args, cwd, code: null, signal: null, stdout: '', stderr: String(e), ms: 0 });
          return;
        }
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        child.stdout.on('data', (d: Buffer) => out.push(d));
        child.stderr.on('data', (d: Buffer) => err.push(d));
        child.on('error', (e) => err.push(Buffer.from(String(e))));
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          resolve({
            cmd,
            args,
            cwd,
            code,
            signal,
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: Buffer.concat(err).toString('utf8'),
            ms: Date.now() - started,
          });
        });
      }),
  );
}

/** `0-23` or `3,7,12` (an environment variable); `count` seeds from 0 when unset. */
export function parseSeeds(spec: string | undefined, count: number): number[] {
  if (!spec) return Array.from({ length: count }, (_, i) => i);
  const seeds: number[] = [];
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    if (!m) throw new Error(`seeds: cannot read '${part}'`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let s = lo; s <= hi; s++) seeds.push(s);
  }
  return seeds;
}

export function runCli(args: string[], cwd: string): Promise<RunResult> {
  return run(process.execPath, [CLI, ...args], cwd, 30000);
}

export function runPython(args: string[], cwd: string, timeoutMs = 120000): Promise<RunResult> {
  return run(PYTHON, args, cwd, timeoutMs);
}

export function describeRun(r: RunResult): string {
  const shown = [r.cmd === process.execPath ? 'node' : r.cmd, ...r.args].map(shellQuote).join(' ');
  return `(cd ${shellQuote(r.cwd)} && ${shown})  -> exit ${r.code ?? r.signal}`;
}

export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Checks up front that the Python side can run at all, with a message that says what to do. */
export async function checkPython(): Promise<void> {
  const r = await runPython(['-c', 'import alembic, sqlalchemy; print(alembic.__version__)'], ROOT, 30000);
  if (r.code !== 0) {
    throw new Error(
      `${PYTHON} cannot import alembic (install python3-alembic: scripts/ensure-system.sh alembic)\n${r.stderr}`,
    );
  }
}

/** checkPython and checkCliBuilt for a suite's `before`: a missing part fails the suite with what to do. */
export async function checkPythonAndCli(): Promise<void> {
  await checkPython();
  const missing = checkCliBuilt();
  if (missing) throw new Error(missing);
}

export function checkCliBuilt(): string | null {
  return fs.existsSync(CLI) ? null : `${CLI} does not exist: run \`npm run build\` first`;
}

export function makeTempDir(prefix: string): string {
  // the real path: Alembic (current) reports resolved paths
  return fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), prefix));
}

export function removeTempDir(dir: string): void {
  if (KEEP) {
    console.log(`[alembic tier] kept generated projects in ${dir}`);
    return;
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

export function parseJson<T>(r: RunResult): { value?: T; error?: string } {
  try {
    return { value: JSON.parse(r.stdout) as T };
  } catch (e) {
    return {
      error: `not JSON (${(e as Error).message}): ${describeRun(r)}\nstdout: ${clip(r.stdout)}\nstderr: ${clip(r.stderr)}`,
    };
  }
}

export function clip(s: string, n = 1500): string {
  return s.length > n ? `${s.slice(0, n)}… (${s.length - n} more characters)` : s;
}

// ---------------------------------------------------------------------------------------------
// canonical forms of Alembic's text output

/**
 * Alembic prints some sets in hash order (random per Python process):
 *  - `Branch names: a, b` and ` (a, b)` after a revision id come from `Revision.branch_labels` (a set);
 *  - `Branches into: x, y` comes from `Revision.nextrev` (a frozenset);
 *  - in `alembic branches` the `-> child` lines of a branch point follow `nextrev` too.
 * Those parts are compared as sets: this sorts them, in expected and actual text alike.
 */
export function canonical(text: string, labels: Set<string>, command: string): string {
  const lines = text.split('\n').map((line) => {
    const m = /^(Branches into|Branch names): (.*)$/.exec(line);
    if (m) return `${m[1]}: ${m[2].split(', ').sort().join(', ')}`;
    return line.replace(/\(([^()]+)\)/g, (whole, inner: string) => {
      const items = inner.split(', ');
      return items.every((i) => labels.has(i)) ? `(${items.sort().join(', ')})` : whole;
    });
  });
  if (command !== 'branches') return lines.join('\n');
  // branches: blocks of "<branchpoint>\n<spaces> -> child\n..." separated by blank lines
  const out: string[] = [];
  let block: string[] = [];
  const flush = () => {
    out.push(...block.filter((l) => !/^\s+-> /.test(l)), ...block.filter((l) => /^\s+-> /.test(l)).sort());
    block = [];
  };
  for (const line of lines) {
    if (line === '') {
      flush();
      out.push(line);
    } else block.push(line);
  }
  flush();
  return out.join('\n');
}

/** A small line diff (LCS), enough for failure messages. */
export function lineDiff(expected: string, actual: string, context = 3): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const n = a.length;
  const m = b.length;
  if (n * m > 4_000_000) return `--- expected\n${clip(expected)}\n+++ actual\n${clip(actual)}`;
  const dp: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      dp[i][j] = a[i] === b[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  const ops: { t: ' ' | '-' | '+'; s: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ t: ' ', s: a[i++] });
      j++;
    } else if (j < m && (i >= n || dp[i][j + 1] >= dp[i + 1][j])) ops.push({ t: '+', s: b[j++] });
    else ops.push({ t: '-', s: a[i++] });
  }
  const keep = ops.map(
    (op, k) => op.t !== ' ' || ops.slice(Math.max(0, k - context), k + context + 1).some((o) => o.t !== ' '),
  );
  const out: string[] = ['--- expected (Alembic)', '+++ actual (alembic-lens)'];
  let skipped = false;
  ops.forEach((op, k) => {
    if (keep[k]) {
      out.push(`${op.t} ${JSON.stringify(op.s).slice(1, -1)}`);
      skipped = false;
    } else if (!skipped) {
      out.push('  ...');
      skipped = true;
    }
  });
  return out.join('\n');
}

export interface CommandComparison {
  ok: boolean;
  report: string;
  /** Alembic crashed with a traceback: not compared */
  notCompared?: boolean;
}

/**
 * An error line with its lists of revisions (`0007, 0006`) sorted: Alembic builds them from sets, whose
 * order changes with Python's hash seed from one run to the next.
 */
function unordered(line: string): string {
  return line.replace(/\b\w+(?:, \w+)+/g, (list) => list.split(', ').sort().join(', '));
}

/**
 * Compares one CLI run with what Alembic did for the same argv: same stdout (canonical form;
 * any of the alternatives), or on a CommandError exit 1 and `FAILED: <message>` on stderr.
 */
export function compareCommand(truth: TruthCommand, r: RunResult, labels: Set<string>): CommandComparison {
  const argv = truth.argv.join(' ');
  const head = `alembic ${argv}\n  ${describeRun(r)}`;
  if (r.code === 3 || /internal error|\n\s+at .+:\d+:\d+/.test(r.stderr)) {
    return { ok: false, report: `${head}\n  alembic-lens crashed:\n${clip(r.stderr)}` };
  }
  if (truth.error) {
    if (truth.error.type !== 'CommandError') {
      // Alembic itself dies with a traceback here (bugs in Alembic: `show -1` walking below a
      // root, an `assert not todo` in the topological sort of some history ranges with
      // dependencies): no message to agree with. A range that Alembic cannot put in order must
      // still fail, not print; otherwise only a crash of alembic-lens (above) is reported.
      if (truth.error.where === '_topological_sort' && r.code !== 1) {
        return {
          ok: false,
          report: `${head}\n  Alembic fails (AssertionError), alembic-lens did not:\n${indent(clip(r.stdout, 400))}`,
        };
      }
      return { ok: true, report: '', notCompared: true };
    }
    const want = `FAILED: ${truth.error.message}`;
    const gotLines = r.stderr.split('\n').map((l) => l.trimEnd());
    const wanted = (truth.errorAlternatives ?? [truth.error.message]).map((message) => unordered(`FAILED: ${message}`));
    if (r.code === 1 && gotLines.some((line) => wanted.includes(unordered(line)))) return { ok: true, report: '' };
    return {
      ok: false,
      report: `${head}\n  expected exit 1 and on stderr:\n    ${want}\n  got exit ${r.code}, stderr:\n${indent(clip(r.stderr, 400))}\n  stdout:\n${indent(clip(r.stdout, 600))}`,
    };
  }
  if (r.code !== 0) {
    return {
      ok: false,
      report: `${head}\n  expected exit 0 and:\n${indent(clip(truth.stdout, 600))}\n  got exit ${r.code}, stderr:\n${indent(clip(r.stderr, 400))}`,
    };
  }
  const cmd = truth.argv[0];
  const got = canonical(r.stdout, labels, cmd);
  const options = (truth.alternatives ?? [truth.stdout]).map((t) => canonical(t, labels, cmd));
  if (options.includes(got)) return { ok: true, report: '' };
  const note = truth.alternatives
    ? ` (one of ${truth.alternatives.length} orders Alembic may print; diff against the first)`
    : '';
  return { ok: false, report: `${head}${note}\n${indent(lineDiff(options[0], got))}` };
}

export function indent(s: string, pad = '    '): string {
  return s
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// graph comparison

function same<T>(a: T, b: T): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function sorted(xs: readonly string[]): string[] {
  return [...xs].sort();
}

export interface GraphCompareOptions {
  /** only these revision ids are compared (all when omitted) */
  only?: Set<string>;
  /** compare the heads list exactly (Alembic order) */
  heads?: boolean;
  /** the set of revision ids must be equal (else: truth ids must be present) */
  exactIds?: boolean;
  /** compare only what a revision's own file says (downRevisions, message, path), not the flags
   *  and labels that depend on the rest of the graph */
  shallow?: boolean;
}

/** Differences between the CLI's `graph --json` and Alembic's graph, one line each. */
export function compareGraph(truth: TruthGraph, lens: LensGraph, opts: GraphCompareOptions = {}): string[] {
  const diffs: string[] = [];
  const want = new Map(truth.revisions.map((r) => [r.revision, r]));
  const got = new Map<string, LensRevision>();
  for (const r of lens.revisions ?? []) {
    if (got.has(r.revision)) diffs.push(`revision ${r.revision} listed twice in graph --json`);
    got.set(r.revision, r);
  }
  const consider = (id: string) => !opts.only || opts.only.has(id);
  if (opts.heads !== false) {
    if (!same(lens.heads, truth.effective_heads))
      diffs.push(
        `heads: expected ${JSON.stringify(truth.effective_heads)} (revision_map.heads, Alembic's order), got ${JSON.stringify(lens.heads)}`,
      );
    if (!same(lens.realHeads, truth.heads))
      diffs.push(
        `realHeads: expected ${JSON.stringify(truth.heads)} (get_revisions("heads")), got ${JSON.stringify(lens.realHeads)}`,
      );
    if (!same(sorted(lens.bases ?? []), sorted(truth.bases)))
      diffs.push(`bases: expected ${JSON.stringify(truth.bases)}, got ${JSON.stringify(lens.bases)}`);
  }
  for (const id of want.keys()) if (consider(id) && !got.has(id)) diffs.push(`revision ${id} missing`);
  if (opts.exactIds !== false && !opts.only)
    for (const id of got.keys()) if (!want.has(id)) diffs.push(`revision ${id} is not a revision for Alembic`);
  for (const [id, t] of want) {
    const g = got.get(id);
    if (!g || !consider(id)) continue;
    const field = (name: string, exp: unknown, act: unknown) => {
      if (!same(exp, act)) diffs.push(`${id}.${name}: expected ${JSON.stringify(exp)}, got ${JSON.stringify(act)}`);
    };
    field('downRevisions', t.down_revision, g.downRevisions);
    const lines = fs.existsSync(t.path) ? fs.readFileSync(t.path, 'utf8').split('\n').length : Infinity;
    if (!Number.isInteger(g.line) || g.line < 1 || g.line > lines)
      diffs.push(`${id}.line: ${g.line} is not a line of ${t.path} (${lines} lines)`);
    // dependsOn: as written (ids or labels) or resolved to ids: either is accepted
    if (!same(g.dependsOn, t.dependencies) && !same(g.dependsOn, t.resolved_dependencies))
      diffs.push(
        `${id}.dependsOn: expected ${JSON.stringify(t.dependencies)} (as written) or ${JSON.stringify(t.resolved_dependencies)} (resolved), got ${JSON.stringify(g.dependsOn)}`,
      );
    field('message', t.doc, g.message);
    field('path', t.path, g.path);
    if (opts.shallow) continue;
    field('branchLabels (as a set)', sorted(t.branch_labels), sorted(g.branchLabels ?? []));
    field('isHead', t.is_head, g.isHead);
    field('isBase', t.is_base, g.isBase);
    field('isMergePoint', t.is_merge_point, g.isMergePoint);
    field('isBranchPoint', t.is_branch_point, g.isBranchPoint);
  }
  return diffs;
}

export function compareConfig(truth: TruthConfig, lens: LensConfig): string[] {
  const diffs: string[] = [];
  const field = (name: keyof TruthConfig, exp: unknown, act: unknown) => {
    if (!same(exp, act)) diffs.push(`${name}: expected ${JSON.stringify(exp)}, got ${JSON.stringify(act)}`);
  };
  field('configFile', truth.configFile, lens.configFile);
  field('section', truth.section, lens.section);
  field('scriptLocation', truth.scriptLocation, lens.scriptLocation);
  field('versionLocations', truth.versionLocations, lens.versionLocations);
  field('recursiveVersionLocations', truth.recursiveVersionLocations, lens.recursiveVersionLocations);
  field('sourceless', truth.sourceless, lens.sourceless);
  return diffs;
}

/** `check` lines: `path:line: severity: message` (a trailing ` [code]` is read when present). */
export function parseCheck(stdout: string, cwd: string): LensProblem[] {
  const out: LensProblem[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(.*?):(\d+): (error|warning|info): (.*?)(?: \[([\w.-]+)\])?$/.exec(line);
    if (m)
      out.push({ path: path.resolve(cwd, m[1]), line: Number(m[2]), severity: m[3], message: m[4], code: m[5] ?? '' });
  }
  return out;
}

export function formatProblems(ps: LensProblem[]): string {
  if (!ps.length) return '    (none)';
  return ps.map((p) => `    ${p.path}:${p.line}: ${p.severity}: ${p.message} [${p.code}]`).join('\n');
}

export function matchesExpectation(p: LensProblem, e: Expectation): boolean {
  const [lo, hi] = e.lineRange;
  return (
    (e.codes.length === 0 || e.codes.includes(p.code)) &&
    e.severities.includes(p.severity) &&
    e.files.some((f) => path.resolve(f) === path.resolve(p.path)) &&
    p.line >= lo &&
    p.line <= hi &&
    e.keywords.every((k) => p.message.toLowerCase().includes(k.toLowerCase()))
  );
}
