// What the extension reads back from a terminal, against the real Alembic printing into a real
// pseudo-terminal (util-linux `script`) of several widths: Alembic wraps its messages to the width
// (textwrap), so the new revision file must be found from "Generating ... done" however it was cut,
// and Alembic's "FAILED:" message must read as it does when printed unwrapped (no terminal).
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { failureLine, generatedFile } from '../../src/core/terminalOutput';
import { PYTHON, shellQuote } from './harness';

const WIDTHS = [24, 40, 57, 80, 200];

/** Runs `argv` in a pseudo-terminal `columns` wide; what the terminal received. */
function inTerminal(argv: string[], cwd: string, columns: number): string {
  const command = `stty cols ${columns}; ${argv.map(shellQuote).join(' ')}`;
  const run = spawnSync('script', ['-qec', command, '/dev/null'], {
    cwd,
    encoding: 'utf8',
    stdio: 'pipe',
    timeout: 60000,
  });
  assert.ok(!run.error, `script: ${run.error}`);
  return run.stdout;
}

describe('terminal output of the real Alembic', function () {
  this.timeout(120000);
  let folder: string;

  before(() => {
    assert.strictEqual(spawnSync('script', ['--version']).status, 0, 'util-linux `script` is installed');
    // A space and a hyphen in the path: both are places textwrap may break at.
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lens pty-out '));
    const init = spawnSync(PYTHON, ['-m', 'alembic', 'init', 'alembic'], { cwd: folder, encoding: 'utf8' });
    assert.strictEqual(init.status, 0, init.stderr);
  });

  after(() => fs.rmSync(folder, { recursive: true, force: true }));

  for (const width of WIDTHS) {
    it(`finds the generated revision file in a terminal ${width} columns wide`, () => {
      const versions = path.join(folder, 'alembic', 'versions');
      const before = new Set(fs.readdirSync(versions));
      const argv = [PYTHON, '-m', 'alembic', 'revision', '-m', `add-phone to users table ${width}`];
      const output = inTerminal(argv, folder, width);
      const added = fs.readdirSync(versions).filter((n) => !before.has(n));
      assert.strictEqual(added.length, 1, `one new file: ${JSON.stringify(output)}`);
      const found = generatedFile(output, folder, (f) => fs.existsSync(f));
      assert.strictEqual(found, path.join(versions, added[0]), JSON.stringify(output));
    });

    it(`reads Alembic's FAILED message whole in a terminal ${width} columns wide`, () => {
      const argv = [PYTHON, '-m', 'alembic', 'show', `no-such-revision-with-a-rather-long-name-${width}`];
      const unwrapped = spawnSync(argv[0], argv.slice(1), { cwd: folder, encoding: 'utf8' });
      const expected = `${unwrapped.stdout}${unwrapped.stderr}`.trim().split('\n').pop();
      assert.match(expected ?? '', /^FAILED: /);
      assert.strictEqual(failureLine(inTerminal(argv, folder, width)), expected);
    });
  }
});
