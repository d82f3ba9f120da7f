// Differential tests, randomized: real Alembic projects built by Alembic's own API
// (gen_history.py, fixed seeds), and alembic-lens's CLI compared with what Alembic says about them:
// graph --json, config --json, heads, history (whole and ranges), branches, show <ident>.
//
// Seeds: ALEMBIC_LENS_SEEDS="0-23" (default) or "3,7,12". By default only the `core` commands of
// each seed run (about 25 per seed, to keep the tier near a minute); ALEMBIC_LENS_FULL=1 runs all
// of them (~70 per seed). A failure names the seed; reproduce its project with
//   /usr/bin/python3 test/alembic/gen_history.py random --seed N --out /tmp/somewhere
// or keep the generated projects with ALEMBIC_LENS_KEEP=1.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  checkCliBuilt,
  checkPython,
  compareCommand,
  compareConfig,
  compareGraph,
  describeRun,
  FULL,
  formatProblems,
  GEN,
  type LensConfig,
  type LensGraph,
  makeTempDir,
  parseJson,
  parseSeeds,
  type RandomTruth,
  ROOT,
  type RunResult,
  removeTempDir,
  runCli,
  runPython,
  type TruthCommand,
} from './harness';

const SEEDS = parseSeeds(process.env.ALEMBIC_LENS_SEEDS, 24);

interface SeedRun {
  truth?: RandomTruth;
  genError?: string;
  graph?: RunResult;
  config?: RunResult;
  commands: { truth: TruthCommand; result: RunResult }[];
}

describe('differential: randomized Alembic histories', function () {
  const runs = new Map<number, SeedRun>();
  let tmp = '';
  let setupError: string | null = null;

  before(async function () {
    this.timeout(600000);
    const started = Date.now();
    try {
      await checkPython();
    } catch (e) {
      setupError = (e as Error).message;
      return;
    }
    setupError = checkCliBuilt();
    tmp = makeTempDir('alembic-lens-random-');
    // 1. one Python process per seed: build the project and dump Alembic's truth
    await Promise.all(
      SEEDS.map(async (seed) => {
        const out = path.join(tmp, `seed-${seed}`);
        const r = await runPython([GEN, 'random', '--seed', String(seed), '--out', out], ROOT);
        const run: SeedRun = { commands: [] };
        runs.set(seed, run);
        if (r.code !== 0) {
          run.genError = `${describeRun(r)}\n${r.stderr}`;
          return;
        }
        run.truth = JSON.parse(fs.readFileSync(path.join(out, 'truth.json'), 'utf8')) as RandomTruth;
      }),
    );
    const python = Date.now();
    if (setupError) return;
    // 2. every CLI run of every seed, in parallel (bounded): the `it`s below only compare
    const jobs: Promise<void>[] = [];
    for (const run of runs.values()) {
      const t = run.truth;
      if (!t) continue;
      jobs.push(runCli([...t.cliArgs, 'graph', '--json'], t.cwd).then((r) => void (run.graph = r)));
      jobs.push(runCli([...t.cliArgs, 'config', '--json'], t.cwd).then((r) => void (run.config = r)));
      for (const cmd of t.commands) {
        if (!FULL && !cmd.core) continue;
        const entry = { truth: cmd, result: undefined as unknown as RunResult };
        run.commands.push(entry);
        jobs.push(runCli([...t.cliArgs, ...cmd.argv], t.cwd).then((r) => void (entry.result = r)));
      }
    }
    await Promise.all(jobs);
    const n = jobs.length;
    console.log(
      `    [alembic tier] ${SEEDS.length} seeds generated in ${((python - started) / 1000).toFixed(1)}s, ` +
        `${n} CLI runs in ${((Date.now() - python) / 1000).toFixed(1)}s${FULL ? ' (full)' : ''}`,
    );
  });

  after(function () {
    if (tmp) removeTempDir(tmp);
  });

  function seedRun(seed: number): { run: SeedRun; t: RandomTruth } {
    if (setupError) throw new Error(setupError);
    const run = runs.get(seed);
    if (!run) throw new Error(`seed ${seed} was not generated`);
    if (run.genError || !run.truth) throw new Error(`seed ${seed}: gen_history.py failed:\n${run.genError}`);
    if (!run.truth.load.ok)
      throw new Error(`seed ${seed}: Alembic could not load its own project: ${JSON.stringify(run.truth.load.error)}`);
    return { run, t: run.truth };
  }

  function label(t: RandomTruth): string {
    return `seed ${t.seed} [${t.shape}, ${t.template} template, ${t.idStyle} ids, file_template ${t.fileTemplate}, script_location ${t.scriptLocationForm}${t.sepStyle ? `, version_locations split ${t.sepStyle}` : ''}${t.section !== 'alembic' ? `, section ${t.section}` : ''}]`;
  }

  function labelsOf(t: RandomTruth): Set<string> {
    return new Set(t.load.graph!.revisions.flatMap((r) => r.branch_labels));
  }

  function checkCommands(seed: number, filter: (c: TruthCommand) => boolean): void {
    const { run, t } = seedRun(seed);
    const labels = labelsOf(t);
    const failures: string[] = [];
    let n = 0;
    for (const { truth, result } of run.commands) {
      if (!filter(truth)) continue;
      n++;
      const c = compareCommand(truth, result, labels);
      if (!c.ok) failures.push(c.report);
    }
    if (failures.length)
      assert.fail(`${label(t)}: ${failures.length} of ${n} commands differ from Alembic\n\n${failures.join('\n\n')}`);
  }

  for (const seed of SEEDS) {
    describe(`seed ${seed}`, function () {
      it('graph --json agrees with Alembic (heads, bases, every revision)', function () {
        const { run, t } = seedRun(seed);
        const r = run.graph!;
        if (r.code !== 0) assert.fail(`${label(t)}: graph --json exited ${r.code}\n${describeRun(r)}\n${r.stderr}`);
        const parsed = parseJson<LensGraph>(r);
        if (!parsed.value) assert.fail(`${label(t)}: ${parsed.error}`);
        const diffs = compareGraph(t.load.graph!, parsed.value);
        const errors = (parsed.value.problems ?? []).filter((p) => p.severity === 'error');
        if (errors.length) diffs.push(`error problems on a project Alembic loads cleanly:\n${formatProblems(errors)}`);
        if (diffs.length)
          assert.fail(`${label(t)}: graph --json differs from Alembic (${describeRun(r)})\n  ${diffs.join('\n  ')}`);
      });

      it('config --json resolves the same locations as Alembic', function () {
        const { run, t } = seedRun(seed);
        const r = run.config!;
        if (r.code !== 0) assert.fail(`${label(t)}: config --json exited ${r.code}\n${describeRun(r)}\n${r.stderr}`);
        const parsed = parseJson<LensConfig>(r);
        if (!parsed.value) assert.fail(`${label(t)}: ${parsed.error}`);
        const diffs = compareConfig(t.load.config!, parsed.value);
        if (diffs.length)
          assert.fail(`${label(t)}: config --json differs from Alembic (${describeRun(r)})\n  ${diffs.join('\n  ')}`);
      });

      it('heads, history and branches print what Alembic prints', function () {
        checkCommands(seed, (c) => c.category === 'basic');
      });

      it('history -r RANGE prints what Alembic prints (or fails with its message)', function () {
        checkCommands(seed, (c) => c.argv[0] === 'history' && c.category !== 'basic');
      });

      it('show IDENT prints what Alembic prints (or fails with its message)', function () {
        checkCommands(seed, (c) => c.argv[0] === 'show');
      });
    });
  }
});
