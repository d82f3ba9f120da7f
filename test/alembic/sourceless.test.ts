// `sourceless = true`: Alembic loads compiled revisions whose .py is gone (a .pyc beside it, or one left
// in __pycache__), which alembic-lens cannot read without running Python. A revision that names one is
// then no error (the real Alembic finds it): a warning that names the compiled files. Without
// `sourceless`, Alembic ignores compiled files, and the same history is broken: the error stays.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkPythonAndCli, describeRun, makeTempDir, parseCheck, removeTempDir, runCli, runPython } from './harness';

const revision = (id: string, down: string | null): string =>
  `"""${id}\n\nRevision ID: ${id}\n"""\nrevision = '${id}'\ndown_revision = ${down ? `'${down}'` : 'None'}\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n`;

/** a1 <- b2 <- c3, with b2 compiled (`where`) and its .py removed. */
async function project(sourceless: boolean, where: 'beside' | '__pycache__'): Promise<string> {
  const dir = makeTempDir('alembic-lens-sourceless-');
  const versions = path.join(dir, 'alembic', 'versions');
  fs.mkdirSync(versions, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'alembic.ini'),
    `[alembic]\nscript_location = alembic\nsourceless = ${sourceless}\nsqlalchemy.url = sqlite:///app.db\n`,
  );
  fs.writeFileSync(path.join(versions, 'a1_first.py'), revision('a1', null));
  fs.writeFileSync(path.join(versions, 'b2_second.py'), revision('b2', 'a1'));
  fs.writeFileSync(path.join(versions, 'c3_third.py'), revision('c3', 'b2'));
  const source = path.join(versions, 'b2_second.py');
  const compile =
    where === 'beside'
      ? `import py_compile; py_compile.compile(${JSON.stringify(source)}, cfile=${JSON.stringify(`${source}c`)}, doraise=True)`
      : `import py_compile; py_compile.compile(${JSON.stringify(source)}, doraise=True)`;
  const compiled = await runPython(['-c', compile], dir);
  assert.strictEqual(compiled.code, 0, `${describeRun(compiled)}\n${compiled.stderr}`);
  fs.rmSync(source);
  return dir;
}

describe('sourceless = true: revisions only in compiled files', function () {
  this.timeout(60000);
  const dirs: string[] = [];
  before(checkPythonAndCli);
  after(() => dirs.forEach(removeTempDir));

  for (const where of ['beside', '__pycache__'] as const) {
    it(`a .pyc ${where === 'beside' ? 'beside the revisions' : 'left in __pycache__'}: Alembic loads it; no missing-revision error, a warning naming it`, async () => {
      const dir = await project(true, where);
      dirs.push(dir);
      const heads = await runPython(['-m', 'alembic', 'heads'], dir);
      assert.strictEqual(heads.code, 0, `${describeRun(heads)}\n${heads.stderr}`);
      assert.match(heads.stdout, /^c3 \(head\)$/m, 'Alembic reads b2 from the compiled file');

      const check = await runCli(['check'], dir);
      const problems = parseCheck(check.stdout, dir);
      const missing = problems.filter((p) => p.code === 'missing-revision');
      assert.deepStrictEqual(
        missing.map((p) => [path.basename(p.path), p.severity]),
        [['c3_third.py', 'warning']],
        check.stdout,
      );
      assert.match(missing[0].message, /may be in a compiled file Alembic loads here \(sourceless = true\).*b2_second/);
      const compiled = problems.filter((p) => p.code === 'sourceless-file').map((p) => path.basename(p.path));
      assert.strictEqual(compiled.length, 1, check.stdout);
      assert.match(compiled[0], /^b2_second\.(cpython-\d+\.)?pyc$/);
      // The heads a1 and c3 are only the knock-on of b2 unread: no multiple-heads (Alembic has one head).
      assert.deepStrictEqual(
        problems.filter((p) => p.code === 'multiple-heads'),
        [],
        check.stdout,
      );
      assert.strictEqual(check.code, 0, `${describeRun(check)}: warnings, no error\n${check.stdout}`);
    });
  }

  it('without sourceless, Alembic ignores the compiled file: the history is broken, the error stays', async () => {
    const dir = await project(false, 'beside');
    dirs.push(dir);
    const heads = await runPython(['-m', 'alembic', 'heads'], dir);
    assert.notStrictEqual(heads.code, 0, `${describeRun(heads)}: Alembic fails`);
    // Alembic 1.8 fails with a KeyError; current releases say it.
    assert.match(heads.stderr, /KeyError: 'b2'|Revision b2 referenced from c3 is not present/);

    const check = await runCli(['check'], dir);
    const problems = parseCheck(check.stdout, dir);
    assert.deepStrictEqual(
      problems.filter((p) => p.code === 'missing-revision').map((p) => p.severity),
      ['error'],
      check.stdout,
    );
    assert.ok(!problems.some((p) => p.code === 'sourceless-file'), check.stdout);
    assert.strictEqual(check.code, 1);
  });
});
