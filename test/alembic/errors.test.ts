// Differential tests, hand-made cases (gen_errors.py): broken revision files and alembic.ini files,
// unusual config that Alembic accepts, and valid-but-odd revision files. For each, what Alembic does
// (exception, warnings, graph) is recorded by running it; alembic-lens must
//  - for a broken project: report a problem on the right file and a sensible line (not crash), keep
//    loading the rest of the project, and where Alembic only warns, build the graph Alembic builds;
//  - for an unusual config or odd files: resolve and print exactly what Alembic does.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type CaseTruth,
  checkCliBuilt,
  checkPython,
  compareCommand,
  compareConfig,
  compareGraph,
  describeRun,
  formatProblems,
  GEN,
  indent,
  type LensConfig,
  type LensGraph,
  type LensProblem,
  makeTempDir,
  matchesExpectation,
  parseCheck,
  parseJson,
  ROOT,
  type RunResult,
  removeTempDir,
  runCli,
  runPython,
  type TruthCommand,
} from './harness';

// The case names, so that mocha can declare the tests before the truth exists; gen_errors.py
// must produce exactly these (checked below).
const CASES: Record<string, CaseTruth['kind']> = {
  syntax_error: 'error',
  syntax_error_unclosed: 'error',
  syntax_error_in_body: 'error',
  indentation_error: 'error',
  duplicate_revision: 'error',
  missing_down_revision: 'error',
  missing_depends_on: 'error',
  cycle_detached: 'error',
  cycle_whole: 'error',
  self_loop: 'error',
  dependency_cycle: 'error',
  empty_depends_on_base: 'error',
  none_in_down_revision: 'error',
  duplicate_branch_label: 'error',
  no_revision_variable: 'error',
  no_down_revision_variable: 'error',
  computed_down_revision: 'error',
  computed_revision: 'error',
  ini_duplicate_option: 'error',
  ini_missing_section_header: 'error',
  ini_bad_interpolation: 'error',
  ini_missing_interpolation_key: 'error',
  missing_version_location: 'error',
  template_separator_comment: 'error',
  no_script_location: 'error',
  script_location_missing_dir: 'error',
  script_location_inline_comment: 'error',
  wrong_section: 'error',
  cfg_default_section: 'config',
  cfg_key_case: 'config',
  cfg_colon_delimiter: 'config',
  cfg_empty_version_locations: 'config',
  cfg_continuation: 'config',
  cfg_percent_url: 'config',
  cfg_symlinked_versions: 'config',
  cwd_relative_script_location: 'config',
  handwritten: 'valid',
};

interface CaseRun {
  truth: CaseTruth & { restSkip?: string[]; agree?: { skip: string[]; heads: boolean } | null };
  graph: RunResult;
  check: RunResult;
  config: RunResult;
  commands: { truth: TruthCommand; result: RunResult }[];
}

function crashed(r: RunResult): boolean {
  return r.code === 3 || r.signal !== null || /internal error|\n\s+at .+:\d+:\d+/.test(r.stderr);
}

describe('differential: broken and unusual Alembic projects', function () {
  const runs = new Map<string, CaseRun>();
  let tmp = '';
  let setupError: string | null = null;

  before(async function () {
    this.timeout(300000);
    try {
      await checkPython();
    } catch (e) {
      setupError = (e as Error).message;
      return;
    }
    tmp = makeTempDir('alembic-lens-errors-');
    const gen = await runPython([GEN, 'errors', '--out', tmp], ROOT);
    if (gen.code !== 0) {
      setupError = `gen_history.py errors failed: ${describeRun(gen)}\n${gen.stderr}`;
      return;
    }
    const cases = (JSON.parse(fs.readFileSync(path.join(tmp, 'errors.json'), 'utf8')) as { cases: CaseRun['truth'][] })
      .cases;
    const names = cases.map((c) => c.name).sort();
    const declared = Object.keys(CASES).sort();
    if (JSON.stringify(names) !== JSON.stringify(declared)) {
      setupError = `gen_errors.py produced cases ${JSON.stringify(names)}, errors.test.ts declares ${JSON.stringify(declared)}`;
      return;
    }
    setupError = checkCliBuilt();
    if (setupError) return;
    await Promise.all(
      cases.map(async (t) => {
        const cli = (args: string[]) => runCli([...t.cliArgs, ...args], t.cwd);
        const [graph, check, config, ...commands] = await Promise.all([
          cli(['graph', '--json']),
          cli(['check']),
          cli(['config', '--json']),
          ...t.commands.map((c) => cli(c.argv)),
        ]);
        runs.set(t.name, {
          truth: t,
          graph,
          check,
          config,
          commands: t.commands.map((c, i) => ({ truth: c, result: commands[i] })),
        });
      }),
    );
  });

  after(function () {
    if (tmp) removeTempDir(tmp);
  });

  function caseRun(name: string): CaseRun {
    if (setupError) throw new Error(setupError);
    const run = runs.get(name);
    if (!run) throw new Error(`case ${name} did not run`);
    return run;
  }

  function alembicDoes(t: CaseTruth): string {
    const l = t.load;
    const warn = l.warnings.length ? `; warnings: ${l.warnings.map((w) => JSON.stringify(w.message)).join(', ')}` : '';
    if (l.ok)
      return `Alembic loads it (${l.graph!.revisions.length} revisions, heads ${JSON.stringify(l.graph!.heads)})${warn}`;
    const e = l.error!;
    return `Alembic fails: ${e.type}: ${e.message}${e.cause ? ` (from ${e.cause.type}: ${e.cause.message})` : ''}${warn}`;
  }

  /** All problems the CLI reported, from graph --json, config --json and check. */
  function problemsOf(run: CaseRun): LensProblem[] {
    const all: LensProblem[] = [];
    const g = parseJson<LensGraph>(run.graph).value;
    if (run.graph.code === 0 && g?.problems) all.push(...g.problems);
    const c = parseJson<LensConfig>(run.config).value;
    if (c?.problems) all.push(...c.problems);
    all.push(...parseCheck(run.check.stdout, run.truth.cwd));
    const seen = new Set<string>();
    return all.filter((p) => {
      const key = `${path.resolve(p.path)}:${p.line}:${p.severity}:${p.code}:${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  function ids(t: CaseTruth['load']): string[] {
    return t.graph?.revisions.map((r) => r.revision) ?? [];
  }

  /** Reports of the commands whose output differs from Alembic's. */
  function commandDiffs(run: CaseRun): string[] {
    const labels = new Set(run.truth.load.graph?.revisions.flatMap((r) => r.branch_labels) ?? []);
    return run.commands
      .map((c) => compareCommand(c.truth, c.result, labels))
      .filter((c) => !c.ok)
      .map((c) => c.report);
  }

  function commandsAgree(run: CaseRun): void {
    const failures = commandDiffs(run);
    if (failures.length)
      assert.fail(
        `${run.truth.name}: ${failures.length} of ${run.commands.length} commands differ from Alembic\n\n${failures.join('\n\n')}`,
      );
  }

  function graphOf(run: CaseRun): LensGraph {
    const r = run.graph;
    if (r.code !== 0) assert.fail(`${run.truth.name}: graph --json exited ${r.code}: ${describeRun(r)}\n${r.stderr}`);
    const parsed = parseJson<LensGraph>(r);
    if (!parsed.value) assert.fail(`${run.truth.name}: ${parsed.error}`);
    return parsed.value;
  }

  for (const [name, kind] of Object.entries(CASES)) {
    describe(name, function () {
      it('does not crash', function () {
        const run = caseRun(name);
        const bad = [run.graph, run.check, run.config, ...run.commands.map((c) => c.result)].filter(crashed);
        if (bad.length)
          assert.fail(
            `${name}: alembic-lens crashed\n${bad.map((r) => `${describeRun(r)}\n${indent(r.stderr)}`).join('\n')}`,
          );
      });

      if (kind === 'error') {
        it('reports the problem on the right file and line', function () {
          const run = caseRun(name);
          const t = run.truth;
          const problems = problemsOf(run);
          const missing = t.expect.filter((e) => !problems.some((p) => matchesExpectation(p, e)));
          if (missing.length)
            assert.fail(
              `${name}: ${t.description}\n  ${alembicDoes(t)}\n  expected a problem like:\n` +
                missing
                  .map(
                    (e) =>
                      `    code ${e.codes.length ? e.codes.join(' | ') : '(any)'}, severity ${e.severities.join(' | ')}, ` +
                      `file ${e.files.join(' | ')}, line ${e.lineRange[0]}..${e.lineRange[1]}` +
                      (e.keywords.length
                        ? `, message mentioning ${e.keywords.map((k) => JSON.stringify(k)).join(' and ')}`
                        : ''),
                  )
                  .join('\n') +
                `\n  alembic-lens reported:\n${formatProblems(problems)}\n  (${describeRun(run.check)})`,
            );
        });

        it('check exits 1 exactly when it reports an error', function () {
          const run = caseRun(name);
          const t = run.truth;
          const lines = parseCheck(run.check.stdout, t.cwd);
          const hasError = lines.some((p) => p.severity === 'error');
          const mustError = t.expect.some((e) => e.severities.length === 1 && e.severities[0] === 'error');
          if (mustError && !hasError)
            assert.fail(
              `${name}: Alembic cannot load this project (${alembicDoes(t)}) but check reports no error\n${describeRun(run.check)}\n${run.check.stdout}`,
            );
          if (run.check.code !== (hasError ? 1 : 0))
            assert.fail(
              `${name}: check exited ${run.check.code} with ${hasError ? 'an error' : 'no error'} printed\n${describeRun(run.check)}\n${run.check.stdout}${run.check.stderr}`,
            );
        });

        // One test, so that nothing is skipped: what Alembic still loads (without the broken files,
        // or as it is when it only warns), alembic-lens must load the same way.
        it('loads what Alembic still loads', function () {
          const run = caseRun(name);
          const t = run.truth;
          const lens = graphOf(run);
          const diffs: string[] = [];
          if (t.rest?.ok) {
            const skip = new Set(t.restSkip ?? []);
            const only = new Set(ids(t.rest).filter((id) => !skip.has(id)));
            diffs.push(...compareGraph(t.rest.graph!, lens, { only, heads: false, shallow: true }));
            const missing = ids(t.rest).filter((id) => skip.has(id) && !lens.revisions.some((r) => r.revision === id));
            diffs.push(...missing.map((id) => `revision ${id} missing (Alembic loads it without the broken file)`));
          }
          if (t.agree && t.load.ok) {
            const skip = new Set(t.agree.skip);
            const only = skip.size ? new Set(ids(t.load).filter((id) => !skip.has(id))) : undefined;
            diffs.push(...compareGraph(t.load.graph!, lens, { only, heads: t.agree.heads }), ...commandDiffs(run));
          }
          if (diffs.length) assert.fail(`${name}: ${t.description}\n  ${alembicDoes(t)}\n  ${diffs.join('\n  ')}`);
        });
      } else {
        it('Alembic loads it (sanity check of the truth)', function () {
          const t = caseRun(name).truth;
          if (!t.load.ok) assert.fail(`${name}: ${alembicDoes(t)}`);
        });

        if (kind === 'config') {
          it('config --json resolves what Alembic resolves', function () {
            const run = caseRun(name);
            const t = run.truth;
            if (run.config.code !== 0)
              assert.fail(
                `${name}: config --json exited ${run.config.code}: ${describeRun(run.config)}\n${run.config.stderr}`,
              );
            const parsed = parseJson<LensConfig>(run.config);
            if (!parsed.value) assert.fail(parsed.error);
            const diffs = compareConfig(t.load.config!, parsed.value);
            if (diffs.length)
              assert.fail(`${name}: ${t.description}\n  ${describeRun(run.config)}\n  ${diffs.join('\n  ')}`);
          });
        }

        it('graph --json agrees with Alembic', function () {
          const run = caseRun(name);
          const t = run.truth;
          const g = graphOf(run);
          const diffs = compareGraph(t.load.graph!, g);
          const errors = (g.problems ?? []).filter((p) => p.severity === 'error');
          if (errors.length)
            diffs.push(`error problems on a project Alembic loads cleanly:\n${formatProblems(errors)}`);
          if (diffs.length)
            assert.fail(`${name}: ${t.description}\n  ${describeRun(run.graph)}\n  ${diffs.join('\n  ')}`);
        });

        it('heads / history / branches / show print what Alembic prints', function () {
          commandsAgree(caseRun(name));
        });
      }
    });
  }
});
