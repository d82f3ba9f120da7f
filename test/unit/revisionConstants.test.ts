import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadProject } from '../../src/core/project';
import { constantsRevision, writeExpandContractProject, writeNeutronLayout } from '../support/constantsProject';
import { tempDir, waitPastRacyWindow, writeProject } from '../support/tempProject';

function expandContractProject(): { dir: string; ini: string; versions: string; constants: string } {
  const dir = tempDir();
  return { dir, ...writeExpandContractProject(dir) };
}

describe('revision variables from imported constants', () => {
  it('reads branch labels, parents and dependencies written from project constants, as Alembic does', () => {
    const { ini } = expandContractProject();
    const project = loadProject(ini);
    assert.deepStrictEqual(
      project.problems.map((p) => `${p.code}: ${p.message}`),
      [],
      'no computed-value problem, no multiple-heads error',
    );
    assert.deepStrictEqual(project.graph.get('e1')!.source.branchLabels, ['expand']);
    assert.deepStrictEqual(project.graph.get('c1')!.source.branchLabels, ['contract']);
    assert.deepStrictEqual(project.graph.get('e2')!.source.dependsOn, ['expand', 'c1']);
    assert.deepStrictEqual(project.graph.get('c2')!.source.downRevisions, ['c1']);
    assert.deepStrictEqual(project.graph.get('c2')!.source.dependsOn, ['contract']);
    assert.deepStrictEqual([...project.graph.heads].sort(), ['c2', 'e2']);
    assert.deepStrictEqual([...project.graph.get('e2')!.branchLabels].sort(), ['expand']);
    assert.deepStrictEqual([...project.graph.get('c2')!.branchLabels].sort(), ['contract']);
  });

  it('keeps a name it cannot resolve a computed value', () => {
    const { ini, versions } = expandContractProject();
    const cases: Array<[string, string[], string]> = [
      // A module outside the project's import roots (site-packages): not readable.
      ['x1', ['from neutron.db.migration import cli'], '(cli.CONTRACT_BRANCH,)'],
      // A name bound only after the assignment: Python raises NameError.
      ['x2', [], '(LATER,)'],
      // A relative import: Alembic loads a revision file without a package, Python refuses it.
      ['x3', ['from ..app.migration import EXPAND_BRANCH'], '(EXPAND_BRANCH,)'],
      // A name the module does not define.
      ['x4', ['from app.migration import MISSING'], '(MISSING,)'],
      // A call stays computed.
      ['x5', ['from app import migration'], '(migration.label(),)'],
      // `import app` alone does not make app.migration an attribute.
      ['x6', ['import app'], '(app.migration.EXPAND_BRANCH,)'],
    ];
    for (const [id, head, labels] of cases)
      fs.writeFileSync(
        path.join(versions, `${id}.py`),
        `${constantsRevision(id, "'a1'", head, labels)}${id === 'x2' ? "LATER = 'later'\n" : ''}`,
      );
    const project = loadProject(ini);
    const computed = project.problems.filter((p) => p.code === 'computed-value').map((p) => path.basename(p.path));
    assert.deepStrictEqual(computed.sort(), ['x1.py', 'x2.py', 'x3.py', 'x4.py', 'x5.py', 'x6.py']);
    for (const [id] of cases) assert.deepStrictEqual(project.graph.get(id)!.source.branchLabels, [], id);
  });

  it('keeps a list changed in place after its assignment a computed value (invenio: `deps += [...]` in a try:)', () => {
    const dir = tempDir();
    const ini = writeProject(dir, [{ id: 'a1' }, { id: 'b1' }]);
    const versions = path.join(dir, 'alembic', 'versions');
    const revision = (id: string, body: string): string =>
      `revision = '${id}'\ndown_revision = 'a1'\n${body}\ndepends_on = deps\n`;
    const cases: Array<[string, string]> = [
      ['m1', "deps = []\ntry:\n    import invenio_access\n    deps += ['b1']\nexcept ImportError:\n    pass"],
      ['m2', "deps = ['a1']\ndeps.append('b1')"],
      ['m3', "deps = ['a1']\ndeps[0] = 'b1'"],
      ['m4', "deps = ['a1', 'b1']\ndel deps[0]"],
      ['m5', "deps = 'a'\ndeps += '1'"],
    ];
    for (const [id, body] of cases) fs.writeFileSync(path.join(versions, `${id}.py`), revision(id, body));
    // Unchanged, or changed only inside a function that the import never calls: read as written.
    fs.writeFileSync(path.join(versions, 'k1.py'), revision('k1', "deps = ['b1']\ndef f():\n    deps.append('a1')"));
    // A string cannot change in place: a method called on it leaves it as written.
    fs.writeFileSync(path.join(versions, 'k2.py'), revision('k2', "deps = 'b1'\ndeps.upper()"));
    const project = loadProject(ini);
    const computed = project.problems.filter((p) => p.code === 'computed-value').map((p) => path.basename(p.path));
    assert.deepStrictEqual(computed.sort(), ['m1.py', 'm2.py', 'm3.py', 'm4.py', 'm5.py']);
    for (const [id] of cases) assert.deepStrictEqual(project.graph.get(id)!.source.dependsOn, [], id);
    assert.deepStrictEqual(project.graph.get('k1')!.source.dependsOn, ['b1']);
    assert.deepStrictEqual(project.graph.get('k2')!.source.dependsOn, ['b1']);
  });

  it('reads a tuple constant whole, and a revision id from a constant', () => {
    const { ini, versions } = expandContractProject();
    for (const file of fs.readdirSync(versions)) fs.rmSync(path.join(versions, file));
    fs.writeFileSync(
      path.join(versions, 'a1.py'),
      constantsRevision('a1', 'None', ['from app import migration'], 'migration.BRANCHES'),
    );
    fs.writeFileSync(
      path.join(versions, 'b1.py'),
      constantsRevision('b1', "'a1'", []).replace("revision = 'b1'", 'from app.ids import B1\nrevision = B1'),
    );
    fs.writeFileSync(path.join(ini, '..', 'app', 'ids.py'), "B1 = 'b1'\n");
    const project = loadProject(ini);
    assert.deepStrictEqual(project.problems, []);
    assert.deepStrictEqual(project.graph.get('a1')!.source.branchLabels, ['expand', 'contract']);
    assert.deepStrictEqual(project.graph.heads, ['b1']);
  });

  it("finds the package of a config file kept inside it (neutron's layout: the checkout's root is on sys.path)", () => {
    const ini = writeNeutronLayout(
      tempDir(),
      "from oslo_config import cfg\n\nCONTRACT_BRANCH = 'contract'\nEXPAND_BRANCH = 'expand'\n",
    );
    const project = loadProject(ini);
    assert.deepStrictEqual(project.problems, []);
    assert.deepStrictEqual(project.graph.get('e1')!.source.branchLabels, ['expand']);
    assert.deepStrictEqual(project.graph.get('c1')!.source.branchLabels, ['contract']);
  });

  it('never keeps a value read from another module in the parse cache', () => {
    const { dir, ini, constants } = expandContractProject();
    const cacheDir = path.join(dir, 'cache');
    waitPastRacyWindow();
    assert.deepStrictEqual(loadProject(ini, { cacheDir }).graph.get('e1')!.source.branchLabels, ['expand']);
    // The revision files are unchanged (their cache entries would be valid): only the module changed.
    fs.writeFileSync(constants, "EXPAND_BRANCH = 'grow'\nCONTRACT_BRANCH = 'contract'\n");
    const again = loadProject(ini, { cacheDir });
    assert.deepStrictEqual(again.graph.get('e1')!.source.branchLabels, ['grow']);
    assert.deepStrictEqual(again.graph.get('e2')!.source.dependsOn, ['grow', 'c1']);
  });

  it('reads a changed constants module again on a rescan, and on an update of the revision file', () => {
    const { ini, versions, constants } = expandContractProject();
    const project = loadProject(ini);
    fs.writeFileSync(constants, "EXPAND_BRANCH = 'grow'\nCONTRACT_BRANCH = 'contract'\n");
    assert.strictEqual(project.rescan(), true);
    assert.deepStrictEqual(project.graph.get('e1')!.source.branchLabels, ['grow']);
    assert.strictEqual(project.rescan(), false, 'nothing changed since');
    fs.writeFileSync(constants, "EXPAND_BRANCH = 'expand'\nCONTRACT_BRANCH = 'shrink'\n");
    assert.strictEqual(project.updateFile(path.join(versions, 'c1_contract.py')), true);
    assert.deepStrictEqual(project.graph.get('c1')!.source.branchLabels, ['shrink']);
  });
});
