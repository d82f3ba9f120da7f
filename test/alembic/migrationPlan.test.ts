// What a confirmation lists against what Alembic really runs. For randomized histories (gen_history.py:
// merges, branch labels, depends_on) and database states made by real `alembic upgrade` / `stamp` on
// SQLite, gen_plans.py runs random `alembic downgrade` / `upgrade` targets (ids, partial ids, `-1`,
// `label@-1`, `rev@parent`, `base`, ...) and records Alembic's "Running downgrade X -> Y" lines. The
// plans of src/core/migrationPlan.ts must list exactly those revisions, in an order Alembic may run
// them, and refuse exactly the targets Alembic refuses.
//
// Seeds: ALEMBIC_LENS_PLAN_SEEDS="0-11" (default) or "3,7". Reproduce one seed's cases with
//   /usr/bin/python3 test/alembic/gen_plans.py --seed N --out /tmp/somewhere
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  downgradeOneTarget,
  downgradePlan,
  type MigrationPlan,
  stampResult,
  upgradePlan,
} from '../../src/core/migrationPlan';
import { loadProject } from '../../src/core/project';
import { type Revision, RevisionError, type RevisionMap } from '../../src/core/revisionMap';
import { checkPython, describeRun, makeTempDir, parseSeeds, ROOT, removeTempDir, runPython } from './harness';

const GEN_PLANS = path.join(ROOT, 'test', 'alembic', 'gen_plans.py');
const SEEDS = parseSeeds(process.env.ALEMBIC_LENS_PLAN_SEEDS, 12);
const ISSUE = 'issue 9 (items 9 and 10)';
/** Each randomized seed, and the histories of the issue (gen_plans.py --issue). */
const PROJECTS: { name: string; args: string[] }[] = [
  ...SEEDS.map((seed) => ({ name: `seed ${seed}`, args: ['--seed', String(seed)] })),
  { name: ISSUE, args: ['--issue'] },
];

interface PlanCase {
  command: 'downgrade' | 'upgrade' | 'stamp';
  target: string;
  state: number;
  /** the commands that made the state */
  steps: string[][];
  /** the version table before, in the order the database returns it */
  rows: string[];
  ran: string[];
  /** every order Alembic may run them in (hash order of several dependencies), `ran` first */
  orders: string[][];
  error: { type: string; message: string } | null;
  after: string[];
}

interface PlanTruth {
  seed: number;
  ini: string;
  section: string;
  cases: PlanCase[];
}

interface SeedPlans {
  truth: PlanTruth;
  map: RevisionMap;
}

function describeCase(project: string, c: PlanCase): string {
  const made = c.steps.length ? c.steps.map((s) => s.join(' ')).join('; ') : 'nothing';
  return `${project}, version table [${c.rows.join(', ')}] (made by: ${made}): alembic ${c.command} ${c.target}`;
}

/** A stamp runs no migration: only the version table it leaves is compared. */
function stampPlan(map: RevisionMap, rows: string[], target: string): MigrationPlan {
  return { revisions: [], after: stampResult(map, rows, [target]) };
}

/** What is wrong with our plan for one case, or undefined when it is exactly Alembic's. */
function compare(c: PlanCase, plan: () => MigrationPlan): string | undefined {
  let ours: string[];
  let after: string[];
  try {
    const planned = plan();
    ours = planned.revisions.map((r) => r.id);
    after = planned.after;
  } catch (err) {
    if (!(err instanceof RevisionError)) return `alembic-lens crashed: ${(err as Error).stack}`;
    if (!c.error) return `Alembic ran [${c.ran.join(', ')}], alembic-lens refuses: ${err.message}`;
    if (c.error.type === 'CommandError' && c.error.message !== err.message) {
      return `both refuse, with different words:\n      Alembic:       ${c.error.message}\n      alembic-lens:  ${err.message}`;
    }
    return undefined;
  }
  const lists = `alembic-lens lists [${ours.join(', ')}]`;
  if (c.error) return `Alembic refuses (${c.error.type}: ${c.error.message}; it ran [${c.ran.join(', ')}]), ${lists}`;
  if (!c.orders.some((order) => order.join() === ours.join())) return `Alembic ran [${c.ran.join(', ')}], ${lists}`;
  if ([...after].sort().join() !== [...c.after].sort().join()) {
    return `Alembic left the version table at [${c.after.join(', ')}], alembic-lens expects [${after.join(', ')}]`;
  }
  return undefined;
}

/** The list the Downgrade dialog showed before issue 9 item 10: applied descendants, depends_on included. */
function oldRevertedList(map: RevisionMap, rows: string[], target: Revision): Set<Revision> {
  const applied = new Set(map.ancestors(rows.map((id) => map.get(id)!)));
  return new Set(map.descendants([target]).filter((rev) => rev !== target && applied.has(rev)));
}

describe('differential: the revisions downgrade and upgrade run', function () {
  const projects = new Map<string, SeedPlans | string>();
  let tmp = '';
  let setupError: string | undefined;

  before(async function () {
    this.timeout(600000);
    try {
      await checkPython();
    } catch (e) {
      setupError = (e as Error).message;
      return;
    }
    tmp = makeTempDir('alembic-lens-plans-');
    await Promise.all(
      PROJECTS.map(async ({ name, args }, index) => {
        const out = path.join(tmp, `project-${index}`);
        const r = await runPython([GEN_PLANS, ...args, '--out', out], ROOT, 300000);
        if (r.code !== 0) {
          projects.set(name, `gen_plans.py failed: ${describeRun(r)}\n${r.stderr}`);
          return;
        }
        const truth = JSON.parse(fs.readFileSync(path.join(out, 'plans.json'), 'utf8')) as PlanTruth;
        projects.set(name, { truth, map: loadProject(truth.ini, { section: truth.section }).graph });
      }),
    );
  });

  after(function () {
    if (tmp) removeTempDir(tmp);
  });

  function seedPlans(project: string): SeedPlans {
    if (setupError) throw new Error(setupError);
    const plans = projects.get(project);
    if (typeof plans === 'string' || !plans) throw new Error(`${project}: ${plans ?? 'not generated'}`);
    assert.ok(plans.truth.cases.length >= 10, `${project}: only ${plans.truth.cases.length} cases`);
    return plans;
  }

  function checkCases(project: string, command: PlanCase['command']): void {
    const { truth, map } = seedPlans(project);
    const cases = truth.cases.filter((c) => c.command === command);
    const plans = { downgrade: downgradePlan, upgrade: upgradePlan, stamp: stampPlan };
    const failures = cases.flatMap((c) => {
      const wrong = compare(c, () => plans[command](map, c.rows, c.target));
      return wrong ? [`${describeCase(project, c)}\n    ${wrong}`] : [];
    });
    if (failures.length) {
      assert.fail(`${failures.length} of ${cases.length} ${command}s differ from Alembic\n\n${failures.join('\n\n')}`);
    }
  }

  for (const { name: project } of PROJECTS) {
    describe(project, function () {
      it('a downgrade lists exactly the revisions whose downgrade() Alembic runs, and refuses what Alembic refuses', function () {
        checkCases(project, 'downgrade');
      });

      it('an upgrade lists exactly the revisions whose upgrade() Alembic runs, and refuses what Alembic refuses', function () {
        checkCases(project, 'upgrade');
      });

      it('a stamp records exactly the version table Alembic leaves, and refuses what Alembic refuses', function () {
        checkCases(project, 'stamp');
      });

      it('Downgrade One sends a target Alembic accepts, and it reverts the revision picked', function () {
        const { truth, map } = seedPlans(project);
        const failures: string[] = [];
        for (const state of new Set(truth.cases.map((c) => c.state))) {
          const stateCases = truth.cases.filter((c) => c.state === state && c.command === 'downgrade');
          const rows = stateCases[0]?.rows ?? [];
          for (const id of rows) {
            const one = downgradeOneTarget(map, rows, map.get(id)!);
            const where = `${project}, [${rows.join(', ')}], Downgrade One of ${id}`;
            if (one instanceof Error) {
              const accepted = stateCases.filter((c) => c.target.startsWith(`${id}@`) && !c.error);
              if (accepted.length)
                failures.push(`${where}: refused (${one.message}) but Alembic accepts ${accepted[0].target}`);
              continue;
            }
            const listed = one.reverted.map((r) => r.id);
            const ran = stateCases.find((c) => c.target === one.argument);
            if (!ran) failures.push(`${where}: '${one.argument}' was not run through Alembic`);
            else if (ran.error)
              failures.push(`${describeCase(project, ran)}\n    Alembic refuses: ${ran.error.message}`);
            else if (!ran.ran.includes(id) || ran.ran.join() !== listed.join()) {
              failures.push(
                `${describeCase(project, ran)}\n    Alembic ran [${ran.ran.join(', ')}], the dialog lists [${listed.join(', ')}]`,
              );
            }
          }
        }
        if (failures.length) assert.fail(failures.join('\n\n'));
      });
    });
  }

  it('the cases cover the defects of issue 9 (items 9 and 10) and every kind of target', function () {
    const counts = {
      mergeAmongSeveral: 0,
      oldOneRefusedOrWider: 0,
      dependentsKept: 0,
      refused: 0,
      relative: 0,
      labelled: 0,
      partial: 0,
    };
    for (const { name: project } of PROJECTS) {
      const { truth, map } = seedPlans(project);
      for (const c of truth.cases.filter((k) => k.command === 'downgrade')) {
        if (c.error) counts.refused++;
        if (/^-\d/.test(c.target) || /@-\d/.test(c.target)) counts.relative++;
        if (/^[a-z_]+\d*@/.test(c.target) && !map.get(c.target.split('@')[0])) counts.labelled++;
        const partial = !c.target.includes('@') && !map.get(c.target) && /^[0-9a-f]{4,}$/.test(c.target);
        if (partial && !c.error) counts.partial++;
        const [, current] = /^(\w+)-1$/.exec(c.target) ?? [];
        const rev = current ? map.get(current) : undefined;
        if (rev && c.rows.length > 1) {
          if (rev.isMergePoint) counts.mergeAmongSeveral++;
          if (c.error || c.ran.length > 1) counts.oldOneRefusedOrWider++;
        }
        const target = map.get(c.target);
        const oldList = target ? [...oldRevertedList(map, c.rows, target)].map((r) => r.id) : [];
        if (target && !c.error && oldList.some((id) => !c.ran.includes(id))) counts.dependentsKept++;
      }
    }
    console.log(`      [plans] ${SEEDS.length} seeds and the issue's histories: ${JSON.stringify(counts)}`);
    for (const [what, n] of Object.entries(counts)) assert.ok(n > 0, `no case of ${what}: ${JSON.stringify(counts)}`);
  });

  it('issue 9 item 10: downgrade to aaaa from [mmmm, tttt] reverts mmmm alone (tttt only depends on aaaa)', function () {
    const { truth, map } = seedPlans(ISSUE);
    const alembic = truth.cases.find((c) => c.target === 'aaaa' && c.rows.join() === 'mmmm,tttt')!;
    assert.deepStrictEqual([alembic.ran, alembic.error], [['mmmm'], null], 'what Alembic ran');
    const oldList = [...oldRevertedList(map, alembic.rows, map.get('aaaa')!)].map((r) => r.id);
    assert.deepStrictEqual(oldList.sort(), ['mmmm', 'tttt'], 'the old list');
    assert.deepStrictEqual(
      downgradePlan(map, alembic.rows, 'aaaa').revisions.map((r) => r.id),
      ['mmmm'],
    );
  });

  it('issue 9 item 9: Downgrade One from the merge m9m9 at [m9m9, xxxx] sends a target Alembic accepts', function () {
    const { truth, map } = seedPlans(ISSUE);
    const rows = ['m9m9', 'xxxx'];
    const alembic = (target: string) => truth.cases.find((c) => c.target === target && c.rows.join() === rows.join())!;
    assert.strictEqual(alembic('m9m9-1').error?.message, 'Ambiguous walk', 'the old target');
    assert.deepStrictEqual(
      alembic('xxxx-1').ran.length,
      4,
      'the old target for the other current revision reverts four',
    );
    for (const [current, argument] of [
      ['m9m9', 'm9m9@b1b1'],
      ['xxxx', 'xxxx@aaaa'],
    ]) {
      const one = downgradeOneTarget(map, rows, map.get(current)!);
      assert.ok(!(one instanceof Error), String(one));
      assert.strictEqual(one.argument, argument);
      const ran = alembic(argument);
      assert.deepStrictEqual([ran.ran, ran.error], [[current], null], `what Alembic ran for ${argument}`);
      assert.deepStrictEqual(
        one.reverted.map((r) => r.id),
        [current],
      );
    }
  });
});
