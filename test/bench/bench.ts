// `npm run bench`: how fast alembic-lens reads a large history, against the targets and against
// Alembic itself. For each history size it generates a project on disk (test/bench/history.ts), then:
//   1. full load      loadProject(alembic.ini) in-process, until the heads are known
//   2. one change     rewrite one revision's message, project.updateFile(path), read the heads
//                     (plus, for information, an edit that changes the graph: a depends_on added)
//   3. CLI heads      `node dist/cli.js -c alembic.ini heads`, wall clock of the whole process
//   4. reference      `python3 -m alembic -c alembic.ini heads`, same directory, wall clock
//   5. graph layout   layoutGraph() of the loaded graph, every row shown (and, for information, with
//                     the long linear runs collapsed, as the graph view opens)
// and checks that alembic-lens finds the same heads as Alembic. Prints a table, writes
// test-output/bench.json. The extension's activation time is the one the last vscode tier run
// recorded (test-output/activation.json: a real VS Code activating the extension).
//
// With --large, also: 100,000 revisions (cached CLI `heads`, CLI `check`) and a 50 MB revision file
// (CLI `check`, with its peak memory). With --expose-gc (as `npm run bench` runs it), the heap a loaded
// 10,000-revision project keeps, as the extension holds it.
//
// Commands are timed without the machine's NODE_EXTRA_CA_CERTS (measure.ts says why); with one set,
// Node's start-up with it is printed too.
//
// Options: --sizes 1000,10000   --large   --keep (leave the generated projects in the temp dir)
//          --strict (exit 1 when a target is missed or the heads disagree)
// Environment: ALEMBIC_PYTHON, the Python with Alembic installed (default /usr/bin/python3).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadProject, type Project } from '../../src/core';
import { GitRepository } from '../../src/core/git/gitRepository';
import { RefHistoryReader } from '../../src/core/git/refHistory';
import { layoutGraph } from '../../src/core/graphLayout';
import { type GeneratedHistory, generateHistory } from './history';
import { benchLarge, type LargeResult, OPERATIONS, PARENTS } from './large';
import { EXTRA_CERTS, type Stats, stats, timeProcess, waitPastRacyWindow } from './measure';

const root = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '..', '..', '..');
const python = process.env.ALEMBIC_PYTHON ?? '/usr/bin/python3';
const cli = path.join(root, 'dist', 'cli.js');
const SEED = 0x5eed_a1e;

const TARGETS = {
  size: 10_000,
  fullLoadMs: 150,
  updateFileMs: 5,
  cliSpeedup: 15,
  layoutMs: 200,
  /** 1,000 revisions read at a git ref. */
  refHistoryMs: 300,
  largeSize: 100_000,
  largeCachedHeadsMs: 1000,
  largeCheckMs: 3000,
  hugeFileMB: 50,
  hugeFileCheckMs: 1000,
  hugeFileCheckPeakMB: 300,
  /** The synchronous part of activate(), as the last vscode tier run recorded it. */
  activationMs: 50,
};

interface SizeResult {
  revisions: number;
  merges: number;
  branchLabels: number;
  dependsOn: number;
  expectedHeads: string[];
  generateMs: number;
  fullLoadMs?: Stats;
  updateFileMs?: Stats;
  /** Not a target: an edit that changes the graph's shape (depends_on added). */
  structuralUpdateMs?: Stats;
  cliHeadsMs?: Stats;
  /** Not a target: `heads` when its kept output cannot be used (a file changed), from the parse cache. */
  cliHeadsParseCacheMs?: Stats;
  alembicHeadsMs?: Stats;
  /** Alembic's median over the CLI's median. */
  cliSpeedup?: number;
  lensHeads?: string[];
  cliHeads?: string[];
  alembicHeads?: string[];
  lensProblems?: { error: number; warning: number; info: number };
  /** layoutGraph with every row shown, and with runs collapsed (info). */
  layoutMs?: Stats;
  collapsedLayoutMs?: Stats;
  layoutShape?: { rows: number; lanes: number; collapsedRows: number };
  /** Heap kept by a loaded project (after a full GC), in MB; only with --expose-gc. */
  retainedHeapMB?: number;
  /** What no reader can go below on this machine (info): see machineFloor. */
  floor?: MachineFloor;
  warnings: string[];
}

/**
 * The machine's floor under the targets: a Node process that does nothing, a stat of every revision
 * file (what a cache must do to trust its entries), and an open, read and close of every file (what a
 * full load must do). The CLI cannot run `heads` faster than the first two together.
 */
interface MachineFloor {
  nodeStartMs: Stats;
  /** The same with the machine's NODE_EXTRA_CA_CERTS, when it sets one (see timeProcess). */
  nodeStartWithExtraCertsMs?: Stats;
  statAllMs: Stats;
  readAllMs: Stats;
}

function machineFloor(files: string[]): MachineFloor {
  const nodeStart = (asConfigured: boolean): Stats => {
    const samples: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = timeProcess(process.execPath, ['-e', '0'], os.tmpdir(), process.env, asConfigured);
      if (i > 0) samples.push(r.ms);
    }
    return stats(samples);
  };
  const timeEach = (touch: (file: string) => void): Stats => {
    const samples: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t = performance.now();
      for (const file of files) touch(file);
      if (i > 0) samples.push(performance.now() - t);
    }
    return stats(samples);
  };
  const buffer = Buffer.allocUnsafe(64 * 1024);
  return {
    nodeStartMs: nodeStart(false),
    nodeStartWithExtraCertsMs: process.env[EXTRA_CERTS] ? nodeStart(true) : undefined,
    statAllMs: timeEach((file) => fs.statSync(file)),
    readAllMs: timeEach((file) => {
      const fd = fs.openSync(file, 'r');
      fs.readSync(fd, buffer, 0, buffer.length, 0);
      fs.closeSync(fd);
    }),
  };
}

/** The heap a loaded project keeps (the extension also runs the full syntax check), after a full GC. */
function retainedHeapMB(configPath: string): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  const before = process.memoryUsage().heapUsed;
  const project = loadProject(configPath);
  project.checkGrammar();
  gc();
  const retained = process.memoryUsage().heapUsed - before;
  return project.graph.size ? retained / 1024 / 1024 : undefined;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

/** The revision ids a `heads` command printed: the known ids among its words. */
function idsIn(output: string, known: Set<string>): string[] {
  return (output.match(/\b[0-9a-f]{12}\b/g) ?? []).filter((id) => known.has(id));
}

/** Dates the version files an hour back, as the files of a real history are (see the note above). */
function settle(versionsDir: string): void {
  const past = new Date(Date.now() - 3600_000);
  for (const name of fs.readdirSync(versionsDir)) fs.utimesSync(path.join(versionsDir, name), past, past);
}

/**
 * Runs `cmd` once untimed (it warms the OS file cache, lets Python write its .pyc files and the CLI
 * keep its output, as any second run in real life finds them) then `runs` times; undefined and a
 * warning if it fails. `beforeEach` runs before every run, untimed.
 */
function benchProcess(
  label: string,
  cmd: string,
  args: string[],
  cwd: string,
  runs: number,
  known: Set<string>,
  warnings: string[],
  beforeEach?: () => void,
): { stats: Stats; heads: string[] } | undefined {
  const samples: number[] = [];
  let heads: string[] = [];
  for (let i = 0; i <= runs; i++) {
    beforeEach?.();
    // A cache folder of the bench's own, next to the generated project.
    const r = timeProcess(cmd, args, cwd, { ...process.env, XDG_CACHE_HOME: path.join(cwd, '.cache') });
    if (r.error || r.status !== 0) {
      const why = r.error
        ? r.error.message
        : `exit ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`;
      warnings.push(`${label} failed (${why})`);
      return undefined;
    }
    if (i === 0) {
      heads = idsIn(r.stdout, known);
      if (heads.length === 0) {
        warnings.push(`${label} printed no revision id: ${JSON.stringify(r.stdout.slice(0, 200))}`);
        return undefined;
      }
      continue;
    }
    samples.push(r.ms);
  }
  return { stats: stats(samples), heads };
}

function benchSize(count: number, keep: boolean): SizeResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `alembic-lens-bench-${count}-`));
  const warnings: string[] = [];
  try {
    let start = performance.now();
    const history: GeneratedHistory = generateHistory(dir, count, SEED + count);
    const generateMs = performance.now() - start;
    // A real history was written long before anyone runs `heads` on it. Files modified in the last
    // seconds are never trusted to the CLI's parse cache (they may change again within one mtime
    // tick), so freshly generated files would measure a cold cache on every run.
    settle(history.versionsDir);
    const known = new Set(history.revisions.map((r) => r.id));
    const result: SizeResult = {
      revisions: count,
      merges: history.merges,
      branchLabels: history.branchLabels,
      dependsOn: history.dependsOn,
      expectedHeads: history.heads,
      generateMs,
      warnings,
    };
    const big = count >= 5000;

    // 1. Full load, in-process. The first run is the cold one (nothing compiled by V8 yet): it is
    // reported as `first`, and counts in the median like the others.
    const loads: number[] = [];
    let project: Project | undefined;
    for (let i = 0; i < (big ? 7 : 15); i++) {
      start = performance.now();
      project = loadProject(history.configPath);
      const heads = project.graph.heads;
      loads.push(performance.now() - start);
      if (i === 0) result.lensHeads = [...heads];
    }
    if (!project) throw new Error('unreachable');
    result.fullLoadMs = stats(loads);
    result.retainedHeapMB = retainedHeapMB(history.configPath);
    const problems = { error: 0, warning: 0, info: 0 };
    for (const p of project.problems) problems[p.severity]++;
    result.lensProblems = problems;
    if (project.graph.size !== count)
      warnings.push(`alembic-lens read ${project.graph.size} revisions, ${count} were written`);
    if (problems.error) {
      const first = project.problems.find((p) => p.severity === 'error');
      warnings.push(
        `alembic-lens reported ${problems.error} error(s) on a valid history, first: ${first?.code}: ${first?.message} (${first?.path}:${first?.line})`,
      );
    }
    if (!sameSet(result.lensHeads ?? [], history.heads)) {
      warnings.push(
        `alembic-lens heads ${JSON.stringify(result.lensHeads)} differ from the generated history's ${JSON.stringify(history.heads)}`,
      );
    }

    // 5 (measured here, on the freshly loaded graph). The graph view's layout.
    const layouts: number[] = [];
    const collapsedLayouts: number[] = [];
    for (let i = 0; i < (big ? 7 : 15); i++) {
      start = performance.now();
      const all = layoutGraph(project.graph, { problems: project.problems, expandAll: true });
      layouts.push(performance.now() - start);
      start = performance.now();
      const collapsed = layoutGraph(project.graph, { problems: project.problems });
      collapsedLayouts.push(performance.now() - start);
      if (i === 0) {
        result.layoutShape = { rows: all.rows, lanes: all.lanes, collapsedRows: collapsed.rows };
        if (all.rows !== count) warnings.push(`the graph layout has ${all.rows} rows for ${count} revisions`);
      }
    }
    result.layoutMs = stats(layouts);
    result.collapsedLayoutMs = stats(collapsedLayouts);

    // 2. One changed file: the editor saved a revision whose message changed.
    const updates: number[] = [];
    const edits = 25;
    const originals = new Map<string, string>();
    for (let i = 0; i < edits; i++) {
      const rev = history.revisions[Math.floor(((i + 1) * count) / (edits + 1))];
      const text = originals.get(rev.path) ?? fs.readFileSync(rev.path, 'utf8');
      originals.set(rev.path, text);
      fs.writeFileSync(rev.path, text.replace(`"""${rev.message}\n`, `"""${rev.message} (edit ${i})\n`));
      start = performance.now();
      project.updateFile(rev.path);
      const heads = project.graph.heads;
      updates.push(performance.now() - start);
      if (!sameSet(heads, history.heads))
        warnings.push(`heads changed after editing only the message of ${path.basename(rev.path)}`);
      if (project.graph.get(rev.id)?.source.message !== `${rev.message} (edit ${i})`) {
        warnings.push(`updateFile(${path.basename(rev.path)}) did not pick up the new message`);
      }
    }
    result.updateFileMs = stats(updates);

    // 2b. Not a target, for information: an edit that changes the graph (a depends_on added), so
    // that the graph is rebuilt rather than patched.
    const structural: number[] = [];
    const dependency = history.revisions[0].id;
    for (let tried = 0; structural.length < 7 && tried < count; tried++) {
      const rev = history.revisions[Math.floor(count / 3) + tried];
      const text = originals.get(rev.path) ?? fs.readFileSync(rev.path, 'utf8');
      const edited = text.replace(/^(depends_on\b[^=\n]*= )None$/m, `$1'${dependency}'`);
      if (edited === text || rev.down.length !== 1) continue;
      originals.set(rev.path, text);
      fs.writeFileSync(rev.path, edited);
      start = performance.now();
      project.updateFile(rev.path);
      const heads = project.graph.heads;
      structural.push(performance.now() - start);
      if (!sameSet(heads, history.heads))
        warnings.push(`heads changed after adding a depends_on to ${path.basename(rev.path)}`);
      if (!project.graph.get(rev.id)?.dependencies.includes(dependency)) {
        warnings.push(`updateFile(${path.basename(rev.path)}) did not pick up the new depends_on`);
      }
    }
    if (structural.length) result.structuralUpdateMs = stats(structural);
    for (const [file, text] of originals) {
      fs.writeFileSync(file, text);
      project.updateFile(file);
    }
    if (!sameSet(project.graph.heads, history.heads)) warnings.push('heads differ after restoring the edited files');
    settle(history.versionsDir);
    waitPastRacyWindow();

    // 3. CLI heads.
    if (!fs.existsSync(cli)) warnings.push(`${path.relative(root, cli)} is missing: run node scripts/build.mjs`);
    else {
      const run = benchProcess(
        'CLI heads',
        process.execPath,
        [cli, '-c', history.configPath, 'heads'],
        dir,
        big ? 5 : 7,
        known,
        warnings,
      );
      if (run) {
        result.cliHeadsMs = run.stats;
        result.cliHeads = run.heads;
      }
      // The same with no kept output: what `heads` costs after an edit, the parse cache's work.
      const cacheFolder = path.join(dir, '.cache', 'alembic-lens');
      const forgetOutputs = (): void => {
        for (const name of fs.existsSync(cacheFolder) ? fs.readdirSync(cacheFolder) : []) {
          if (name.startsWith('outputs-')) fs.rmSync(path.join(cacheFolder, name));
        }
      };
      const args = [cli, '-c', history.configPath, 'heads'];
      const parsed = benchProcess(
        'CLI heads, no kept output',
        process.execPath,
        args,
        dir,
        big ? 5 : 7,
        known,
        warnings,
        forgetOutputs,
      );
      result.cliHeadsParseCacheMs = parsed?.stats;
    }

    // 4. Alembic heads, the reference.
    const ref = benchProcess(
      'alembic heads',
      python,
      ['-m', 'alembic', '-c', history.configPath, 'heads'],
      dir,
      big ? 3 : 5,
      known,
      warnings,
    );
    if (ref) {
      result.alembicHeadsMs = ref.stats;
      result.alembicHeads = ref.heads;
      if (!sameSet(ref.heads, history.heads)) {
        warnings.push(
          `alembic heads ${JSON.stringify(ref.heads)} differ from the generated history's ${JSON.stringify(history.heads)} (generator bug?)`,
        );
      }
      if (result.lensHeads && !sameSet(result.lensHeads, ref.heads)) {
        warnings.push(
          `alembic-lens heads ${JSON.stringify(result.lensHeads)} != alembic heads ${JSON.stringify(ref.heads)}`,
        );
      }
      if (result.cliHeads && !sameSet(result.cliHeads, ref.heads)) {
        warnings.push(`CLI heads ${JSON.stringify(result.cliHeads)} != alembic heads ${JSON.stringify(ref.heads)}`);
      }
    }
    if (result.cliHeadsMs && result.alembicHeadsMs)
      result.cliSpeedup = result.alembicHeadsMs.median / result.cliHeadsMs.median;
    if (big) result.floor = machineFloor(history.revisions.map((r) => r.path));
    return result;
  } finally {
    if (keep) console.log(`[bench] kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface RefHistoryResult {
  revisions: number;
  /** A new reader each run: git ls-tree + cat-file --batch + parsing, no cache; loose objects (a fresh commit). */
  coldMs: Stats;
  /** The same after `git gc`: packed objects, as in a clone. */
  packedMs: Stats;
  /** The same reader again: the tree id is unchanged, so the history comes from the cache. */
  cachedMs: Stats;
  headsAgree: boolean;
}

/** Reading a committed history at a git ref (`check --base`), against the same history loaded from disk. */
async function benchRefHistory(count: number): Promise<RefHistoryResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `alembic-lens-bench-git-${count}-`));
  try {
    const history = generateHistory(dir, count, SEED + count);
    const git = (...args: string[]) => {
      const r = spawnSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', ...args], {
        cwd: dir,
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    };
    git('init', '-q');
    git('add', '-A');
    git('commit', '-q', '-m', 'history');
    const project = loadProject(history.configPath);
    const repo = await GitRepository.open(dir);
    let heads: string[] = [];
    // Each sample is a whole read, from the call until its promise settles (git runs asynchronously).
    const coldReads = async (): Promise<Stats> => {
      const samples: number[] = [];
      for (let i = 0; i < 15; i++) {
        const start = performance.now();
        heads = (await new RefHistoryReader(repo, project.config).read('HEAD')).graph.heads;
        samples.push(performance.now() - start);
      }
      return stats(samples);
    };
    const coldMs = await coldReads();
    const cached: number[] = [];
    const reader = new RefHistoryReader(repo, project.config);
    await reader.read('HEAD');
    for (let i = 0; i < 15; i++) {
      const start = performance.now();
      await reader.read('HEAD');
      cached.push(performance.now() - start);
    }
    git('gc', '-q');
    const packedMs = await coldReads();
    return {
      revisions: count,
      coldMs,
      packedMs,
      cachedMs: stats(cached),
      headsAgree: sameSet(heads, project.graph.heads),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The row of the extension's activation time, read from what the last vscode tier run recorded. */
function activationRow(verdicts: Record<string, Verdict>): string[] {
  const file = path.join(root, 'test-output', 'activation.json');
  let recorded: { activationMs: number; date: string } | undefined;
  try {
    recorded = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    // no vscode tier run yet
  }
  verdicts.activation = verdict(recorded?.activationMs, (x) => x < TARGETS.activationMs);
  const value = recorded ? `${recorded.activationMs.toFixed(1)} ms` : 'n/a';
  const when = recorded ? `vscode tier, ${recorded.date.slice(0, 16)}` : 'run the vscode tier';
  return [
    '',
    `activate(), synchronous part (${when})`,
    value,
    '',
    '',
    '',
    `< ${TARGETS.activationMs} ms`,
    verdicts.activation,
  ];
}

function alembicVersion(): string {
  const r = spawnSync(python, ['-c', 'import alembic; print(alembic.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unavailable';
}

type Verdict = 'PASS' | 'FAIL' | 'n/a';

function verdict(value: number | undefined, ok: (v: number) => boolean): Verdict {
  return value === undefined ? 'n/a' : ok(value) ? 'PASS' : 'FAIL';
}

function ms(s: Stats | undefined, key: 'median' | 'min' | 'first'): string {
  if (!s) return key === 'median' ? 'n/a' : '';
  const v = s[key];
  return v < 10 ? `${v.toFixed(2)} ms` : `${v.toFixed(1)} ms`;
}

/** The table rows of the large cases, with their verdicts. */
function largeRows(r: LargeResult, verdicts: Record<string, Verdict>): string[][] {
  const n = r.revisions.toLocaleString('en-US');
  const mb = (value: number | undefined): string => (value === undefined ? 'n/a' : `${value.toFixed(0)} MB`);
  /** A timed row whose median must stay under `limit` ms. */
  const row = (size: string, measure: string, s: Stats | undefined, limit: number, key: string): string[] => {
    verdicts[key] = verdict(s?.median, (x) => x < limit);
    const runs = s ? String(s.runs) : '';
    return [size, measure, ms(s, 'median'), ms(s, 'min'), ms(s, 'first'), runs, `< ${limit} ms`, verdicts[key]];
  };
  /** A timed row for information, without a target. */
  const info = (size: string, measure: string, s: Stats | undefined): string[] => {
    const runs = s ? String(s.runs) : '';
    return [size, `${measure} (info)`, ms(s, 'median'), ms(s, 'min'), ms(s, 'first'), runs, '', ''];
  };
  const huge = `${r.hugeFileMB} MB file`;
  const memoryVerdict = verdict(r.hugeCheckPeakMB, (x) => x < TARGETS.hugeFileCheckPeakMB);
  verdicts.hugeFileCheckMemory = memoryVerdict;
  return [
    row(n, 'CLI heads, cached', r.cachedHeadsMs, TARGETS.largeCachedHeadsMs, 'largeCachedHeads'),
    row(n, 'CLI check', r.checkMs, TARGETS.largeCheckMs, 'largeCheck'),
    [n, '  check peak memory (info)', mb(r.checkPeakMB), '', '', '', '', ''],
    row(huge, 'CLI check --no-cache', r.hugeCheckMs, TARGETS.hugeFileCheckMs, 'hugeFileCheck'),
    [
      huge,
      '  check peak memory',
      mb(r.hugeCheckPeakMB),
      '',
      '',
      '',
      `< ${TARGETS.hugeFileCheckPeakMB} MB`,
      memoryVerdict,
    ],
    info(
      '1 file',
      `  check, one upgrade() of ${OPERATIONS.toLocaleString('en-US')} operations`,
      r.manyOperationsCheckMs,
    ),
    info('1 file', `  heads, a merge of ${PARENTS.toLocaleString('en-US')} parents`, r.manyParentsHeadsMs),
  ];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const sizesArg = args.indexOf('--sizes');
  const sizes = sizesArg >= 0 ? args[sizesArg + 1].split(',').map(Number) : [1_000, 10_000];
  const keep = args.includes('--keep');
  const large = args.includes('--large');
  const strict = args.includes('--strict');
  const version = alembicVersion();
  console.log(
    `alembic-lens bench: node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, Alembic ${version} (${python})`,
  );

  const results: SizeResult[] = [];
  for (const size of sizes) {
    process.stdout.write(`[bench] ${size.toLocaleString('en-US')} revisions... `);
    const r = benchSize(size, keep);
    console.log(
      `generated in ${r.generateMs.toFixed(0)} ms: ${r.merges} merges, ${r.branchLabels} branch labels, ${r.dependsOn} depends_on, ${r.expectedHeads.length} head(s)`,
    );
    results.push(r);
  }
  let largeResult: LargeResult | undefined;
  if (large) {
    const what = `${TARGETS.largeSize.toLocaleString('en-US')} revisions, a ${TARGETS.hugeFileMB} MB revision file`;
    process.stdout.write(`[bench] large: ${what}... `);
    largeResult = benchLarge(cli, SEED, TARGETS.hugeFileMB, TARGETS.largeSize, keep);
    console.log(`generated in ${largeResult.generateMs} ms`);
  }

  let disagreeAtRef = false;
  const rows: string[][] = [['revisions', 'measure', 'median', 'min', 'first', 'runs', 'target', 'result']];
  const verdicts: Record<string, Verdict> = {};
  for (const r of results) {
    const n = r.revisions.toLocaleString('en-US');
    const targeted = r.revisions === TARGETS.size;
    const v = (key: string, value: number | undefined, ok: (x: number) => boolean): string => {
      if (!targeted) return '';
      verdicts[key] = verdict(value, ok);
      return verdicts[key];
    };
    const line = (measure: string, s: Stats | undefined, target: string, result: string): string[] => [
      n,
      measure,
      ms(s, 'median'),
      ms(s, 'min'),
      ms(s, 'first'),
      s ? String(s.runs) : '',
      targeted ? target : '',
      result,
    ];
    rows.push(
      line(
        'full load (loadProject)',
        r.fullLoadMs,
        `< ${TARGETS.fullLoadMs} ms`,
        v('fullLoad', r.fullLoadMs?.median, (x) => x < TARGETS.fullLoadMs),
      ),
    );
    rows.push(
      line(
        'one changed file (updateFile)',
        r.updateFileMs,
        `< ${TARGETS.updateFileMs} ms`,
        v('updateFile', r.updateFileMs?.median, (x) => x < TARGETS.updateFileMs),
      ),
    );
    rows.push(line('  graph-changing edit (info)', r.structuralUpdateMs, '', ''));
    rows.push(line('CLI heads (node dist/cli.js)', r.cliHeadsMs, '', ''));
    rows.push(line('  no kept output, parse cache only (info)', r.cliHeadsParseCacheMs, '', ''));
    rows.push(line('alembic heads (reference)', r.alembicHeadsMs, '', ''));
    rows.push(
      line(
        'graph layout, all rows (layoutGraph)',
        r.layoutMs,
        `< ${TARGETS.layoutMs} ms`,
        v('layout', r.layoutMs?.median, (x) => x < TARGETS.layoutMs),
      ),
    );
    rows.push(
      line(
        `  runs collapsed (info${r.layoutShape ? `: ${r.layoutShape.collapsedRows} rows` : ''})`,
        r.collapsedLayoutMs,
        '',
        '',
      ),
    );
    rows.push([
      n,
      'CLI speed-up over alembic',
      r.cliSpeedup === undefined ? 'n/a' : `${r.cliSpeedup.toFixed(1)}x`,
      '',
      '',
      '',
      targeted ? `>= ${TARGETS.cliSpeedup}x` : '',
      v('cliSpeedup', r.cliSpeedup, (x) => x >= TARGETS.cliSpeedup),
    ]);
    if (r.floor) {
      const { nodeStartMs, statAllMs, readAllMs } = r.floor;
      const cliFloor = nodeStartMs.median + statAllMs.median;
      const ceiling = r.alembicHeadsMs ? `${(r.alembicHeadsMs.median / cliFloor).toFixed(1)}x` : 'n/a';
      rows.push(line('  floor: node -e 0 (info)', nodeStartMs, '', ''));
      const withCerts = r.floor.nodeStartWithExtraCertsMs;
      if (withCerts) rows.push(line(`  node -e 0 with this machine's ${EXTRA_CERTS} (info)`, withCerts, '', ''));
      rows.push(line('  floor: stat every file (info)', statAllMs, '', ''));
      rows.push(line('  floor: open+read+close every file (info)', readAllMs, '', ''));
      rows.push([n, '  speed-up if heads cost only start + stat (info)', ceiling, '', '', '', '', '']);
    }
    const heap = r.retainedHeapMB === undefined ? 'n/a (run with --expose-gc)' : `${r.retainedHeapMB.toFixed(1)} MB`;
    rows.push([n, 'heap kept by a loaded project (info)', heap, '', '', '', '', '']);
  }
  const refHistory = await benchRefHistory(1_000);
  verdicts.refHistory = verdict(refHistory.coldMs.median, (x) => x < TARGETS.refHistoryMs);
  const refRow = (measure: string, s: Stats, target: string, result: string): string[] => [
    '1,000',
    measure,
    ms(s, 'median'),
    ms(s, 'min'),
    ms(s, 'first'),
    String(s.runs),
    target,
    result,
  ];
  rows.push(
    refRow(
      'history at a git ref (RefHistoryReader)',
      refHistory.coldMs,
      `< ${TARGETS.refHistoryMs} ms`,
      verdicts.refHistory,
    ),
  );
  rows.push(refRow('  objects packed, as in a clone (info)', refHistory.packedMs, '', ''));
  rows.push(refRow('  same tree id again (cached)', refHistory.cachedMs, '', ''));
  if (!refHistory.headsAgree) disagreeAtRef = true;
  if (largeResult) rows.push(...largeRows(largeResult, verdicts));
  rows.push(activationRow(verdicts));
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  console.log('');
  rows.forEach((row, i) => {
    console.log(
      row
        .map((cell, c) => (c >= 2 && c <= 5 ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
        .join('  ')
        .trimEnd(),
    );
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  });

  let disagree = disagreeAtRef;
  if (disagreeAtRef)
    console.log('[bench] WARNING: the history read at HEAD has other heads than the same files on disk');
  for (const w of largeResult?.warnings ?? []) console.log(`[bench] WARNING large: ${w}`);
  for (const r of results) {
    const ref = r.alembicHeads;
    const check = (heads: string[] | undefined): string =>
      heads === undefined ? 'not run' : ref === undefined ? 'unchecked' : sameSet(heads, ref) ? 'same' : 'DIFFERENT';
    const inProcess = check(r.lensHeads);
    const viaCli = check(r.cliHeads);
    if (inProcess !== 'same' || viaCli !== 'same') disagree = true;
    console.log(
      `\n[bench] ${r.revisions.toLocaleString('en-US')}: heads vs alembic heads${ref ? ` (${ref.length})` : ''}: loadProject ${inProcess}, CLI ${viaCli}`,
    );
    for (const w of r.warnings) console.log(`[bench] WARNING ${r.revisions}: ${w}`);
  }

  const outFile = path.join(root, 'test-output', 'bench.json');
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  const json = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${os.arch()}`,
    cpu: os.cpus()[0]?.model,
    cpus: os.cpus().length,
    alembic: version,
    seed: SEED,
    targets: TARGETS,
    verdicts,
    histories: results.map(({ expectedHeads, ...r }) => ({ ...r, heads: expectedHeads })),
    refHistory,
    large: largeResult,
  };
  fs.writeFileSync(outFile, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`\n[bench] wrote ${path.relative(root, outFile)}`);
  if (strict && (disagree || Object.values(verdicts).some((v) => v !== 'PASS'))) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
