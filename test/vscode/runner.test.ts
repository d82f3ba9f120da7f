// The runner in a real VS Code: Alembic commands typed into a real terminal, on the throw-away copy of
// migrations-sample. Uses the runner classes directly (bundled into this test), with the workspace
// setting alembic.pythonPath pointed at a Python that has Alembic (Debian's /usr/bin/python3).
// Works in both runner modes: with shell integration the exit code is asserted; without it (typed with
// sendText), the command's effects are waited for instead. Which mode ran is printed.
import * as assert from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  AlembicRunner,
  type RunFinishedEvent,
  type RunnerProject,
  type RunResult,
  shellKindOfTerminal,
} from '../../src/runner/alembicTerminal';
import { InterpreterService } from '../../src/runner/interpreter';
import { heads, readRevisionFiles, versionsDir, waitFor, workspaceRoot } from './helpers';

const ALEMBIC_PYTHON = '/usr/bin/python3';
const HOSTILE = `it's a "test" $(touch /tmp/pwned) \`id\` ünï`;
const PWNED = '/tmp/pwned';

describe('runner: Alembic commands in a VS Code terminal', function () {
  this.timeout(90000);
  let root: string;
  let project: RunnerProject;
  let interpreters: InterpreterService;
  let runner: AlembicRunner;
  const finished: RunFinishedEvent[] = [];
  const cleanup: string[] = [];

  before(async function () {
    assert.strictEqual(
      spawnSync(ALEMBIC_PYTHON, ['-c', 'import alembic'], { encoding: 'utf8' }).status,
      0,
      `${ALEMBIC_PYTHON} has Alembic (scripts/ensure-system.sh vscode installs it)`,
    );
    root = workspaceRoot();
    project = {
      name: path.basename(root),
      folder: root,
      configFile: path.join(root, 'alembic.ini'),
      section: 'alembic',
    };
    await vscode.workspace
      .getConfiguration('alembic')
      .update('pythonPath', ALEMBIC_PYTHON, vscode.ConfigurationTarget.Workspace);
    interpreters = new InterpreterService({ usePythonExtension: false });
    runner = new AlembicRunner(interpreters, { shellIntegrationTimeoutMs: 10000, projectCount: () => 1 });
    runner.onDidFinish((e) => finished.push(e));
  });

  after(async () => {
    runner?.dispose();
    interpreters?.dispose();
    await vscode.workspace
      .getConfiguration('alembic')
      .update('pythonPath', undefined, vscode.ConfigurationTarget.Workspace);
    for (const f of [...cleanup, path.join(root, 'app.db'), path.join(root, '.env')]) fs.rmSync(f, { force: true });
  });

  /** Waits for the command's effect when the runner could not know its exit code. */
  async function settled(result: RunResult, what: string, effect: () => boolean, timeoutMs = 30000): Promise<void> {
    if (result.mode === 'shell-integration') {
      assert.strictEqual(result.exitCode, 0, `${what}: exit code`);
      assert.ok(effect(), `${what}: its effect is there once it exited`);
    } else {
      assert.strictEqual(result.exitCode, undefined, `${what}: no exit code without shell integration`);
      await waitFor(what, effect, timeoutMs, 200);
    }
  }

  it('resolves the interpreter from alembic.pythonPath and finds Alembic there', async () => {
    const { interpreter, check } = await interpreters.resolveAndCheck(root);
    assert.strictEqual(interpreter.path, ALEMBIC_PYTHON);
    assert.strictEqual(interpreter.source, 'setting');
    assert.ok(check.ok, `check: ${JSON.stringify(check)}`);
    console.log(`      ${interpreter.path}: alembic ${check.alembicVersion}, sqlalchemy ${check.sqlalchemyVersion}`);
  });

  it('runs `alembic upgrade head` in a terminal named "Alembic" in the project folder', async () => {
    const db = path.join(root, 'app.db');
    fs.rmSync(db, { force: true });
    const t0 = Date.now();
    let shellAtStart: string | undefined = 'not seen';
    const sub = vscode.window.onDidChangeTerminalShellIntegration((e) => {
      if (e.terminal.name === 'Alembic') shellAtStart = `${e.terminal.state.shell} after ${Date.now() - t0} ms`;
    });
    const result = await runner.runCommand(project, { command: 'upgrade', revision: 'head' });
    sub.dispose();
    const terminal = runner.terminalOf(project);
    assert.ok(terminal, 'the runner has a terminal for the project');
    assert.strictEqual(terminal.name, 'Alembic');
    assert.ok(vscode.window.terminals.includes(terminal), 'the terminal is among the window terminals');
    console.log(
      `      mode ${result.mode}, exit code ${result.exitCode}, ${Date.now() - t0} ms; shell integration arrived: ${shellAtStart}; terminal.state.shell now=${terminal.state.shell}, ` +
        `shell kind ${shellKindOfTerminal(terminal)}, vscode.env.shell=${vscode.env.shell}, shellIntegration ${terminal.shellIntegration ? 'present' : 'absent'}`,
    );
    const [head] = heads(readRevisionFiles());
    const version = (): string | undefined => {
      if (!fs.existsSync(db)) return undefined;
      try {
        return execFileSync(
          ALEMBIC_PYTHON,
          [
            '-c',
            'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select version_num from alembic_version").fetchone()[0])',
            db,
          ],
          { encoding: 'utf8' },
        ).trim();
      } catch {
        return undefined;
      }
    };
    await settled(result, 'the database at head', () => version() === head);
    assert.ok(
      finished.some((e) => e.argv.includes('upgrade') && e.exitCode === result.exitCode),
      'onDidFinish fired for the command',
    );
  });

  it('passes a hostile revision message verbatim, and the shell runs nothing from it', async () => {
    fs.rmSync(PWNED, { force: true });
    const before = new Set(fs.readdirSync(versionsDir()));
    const result = await runner.runCommand(project, { command: 'revision', message: HOSTILE });
    const created = (): string | undefined =>
      fs.readdirSync(versionsDir()).find((n) => n.endsWith('.py') && !before.has(n));
    await settled(result, 'a new revision file', () => !!created());
    const file = path.join(versionsDir(), created()!);
    cleanup.push(file);
    const text = fs.readFileSync(file, 'utf8');
    assert.ok(
      text.startsWith(`"""${HOSTILE}\n`),
      `docstring of ${path.basename(file)}: ${JSON.stringify(text.slice(0, 120))}`,
    );
    assert.ok(!fs.existsSync(PWNED), `${PWNED} was created: the shell executed part of the message`);
    fs.rmSync(file);
  });

  it('gives the terminal the .env variables, and recreates it when the .env changes', async () => {
    const out = path.join(os.tmpdir(), `lens-env-${process.pid}.txt`);
    cleanup.push(out);
    const probe = [
      ALEMBIC_PYTHON,
      '-c',
      'import os, sys; open(sys.argv[1], "w").write(os.environ.get("LENS_PROBE", "<unset>"))',
      out,
    ];
    const envFile = path.join(root, '.env');
    const read = (): string | undefined => (fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : undefined);

    fs.writeFileSync(envFile, `LENS_PROBE='first value; $(touch /tmp/pwned)'\n`);
    fs.rmSync(out, { force: true });
    let result = await runner.run(project, probe);
    await settled(result, 'the probe output', () => read() !== undefined);
    assert.strictEqual(read(), 'first value; $(touch /tmp/pwned)');
    const first = runner.terminalOf(project);

    fs.writeFileSync(envFile, 'LENS_PROBE=second\n');
    fs.rmSync(out, { force: true });
    result = await runner.run(project, probe);
    await settled(result, 'the probe output', () => read() !== undefined);
    assert.strictEqual(read(), 'second');
    assert.notStrictEqual(runner.terminalOf(project), first, 'a new terminal for the new environment');
    assert.strictEqual(
      vscode.window.terminals.filter((t) => t.name === 'Alembic').length,
      1,
      'the old terminal is closed',
    );
    assert.ok(!fs.existsSync(PWNED), 'a .env value was executed');
  });

  it('runs the commands of one project one after the other', async function () {
    const out = path.join(os.tmpdir(), `lens-order-${process.pid}.txt`);
    cleanup.push(out);
    fs.rmSync(out, { force: true });
    const append = (text: string, sleep: number): string[] => [
      ALEMBIC_PYTHON,
      '-c',
      `import sys, time; time.sleep(${sleep}); open(sys.argv[1], "a").write("${text}")`,
      out,
    ];
    const results = await Promise.all([runner.run(project, append('1', 1.5)), runner.run(project, append('2', 0))]);
    await settled(results[1], 'both outputs', () => fs.existsSync(out) && fs.readFileSync(out, 'utf8').length === 2);
    assert.strictEqual(fs.readFileSync(out, 'utf8'), '12');
    if (results[0].mode === 'shell-integration')
      assert.deepStrictEqual(
        results.map((r) => r.exitCode),
        [0, 0],
      );
  });

  it('leaves its terminal to a command the user typed there, runs in a new one, and says why', async () => {
    await runner.run(project, [ALEMBIC_PYTHON, '-c', 'pass']);
    const first = runner.terminalOf(project);
    assert.ok(first?.shellIntegration, 'the Alembic terminal has shell integration');
    // As if typed: the shell reports its start, as for any command run at the prompt.
    const started = new Promise<void>((resolve) => {
      const listener = vscode.window.onDidStartTerminalShellExecution((e) => {
        if (e.terminal === first && e.execution.commandLine.value.includes('sleep 4')) resolve(listener.dispose());
      });
    });
    first.shellIntegration.executeCommand('sleep 4');
    await started;
    const result = await runner.run(project, [ALEMBIC_PYTHON, '-c', 'pass']);
    assert.strictEqual(result.exitCode, 0);
    assert.notStrictEqual(runner.terminalOf(project), first, 'a new terminal');
    assert.strictEqual(first.exitStatus, undefined, 'the typed command keeps its terminal');
    assert.match(finished[finished.length - 1].leftBusy ?? '', /sleep 4/);
    first.dispose();
  });

  it('reports a failing command with its exit code (under shell integration)', async function () {
    const result = await runner.run(project, [ALEMBIC_PYTHON, '-c', 'import sys; sys.exit(3)']);
    assert.strictEqual(result.mode, 'shell-integration', 'bash terminals get shell integration in VS Code 1.100');
    assert.strictEqual(result.exitCode, 3);
  });

  it('falls back to typing the quoted line when the terminal has no shell integration', async () => {
    const setting = vscode.workspace.getConfiguration('terminal.integrated');
    await setting.update('shellIntegration.enabled', false, vscode.ConfigurationTarget.Global);
    const blind = new AlembicRunner(interpreters, { shellIntegrationTimeoutMs: 3000, projectCount: () => 2 });
    try {
      fs.rmSync(PWNED, { force: true });
      const before = new Set(fs.readdirSync(versionsDir()));
      const result = await blind.runCommand(project, { command: 'revision', message: `blind: ${HOSTILE}` });
      const terminal = blind.terminalOf(project)!;
      assert.strictEqual(terminal.name, `Alembic: ${project.name}`, 'named after the project when there are several');
      console.log(
        `      mode ${result.mode}, exit code ${result.exitCode}; terminal.state.shell=${terminal.state.shell}, shellIntegration ${terminal.shellIntegration ? 'present' : 'absent'}`,
      );
      assert.strictEqual(result.mode, 'sendText');
      const created = (): string | undefined =>
        fs.readdirSync(versionsDir()).find((n) => n.endsWith('.py') && !before.has(n));
      await settled(
        result,
        'a new revision file',
        () => !!created() && fs.statSync(path.join(versionsDir(), created()!)).size > 0,
      );
      const file = path.join(versionsDir(), created()!);
      cleanup.push(file);
      await waitFor('the revision file written', () => fs.readFileSync(file, 'utf8').includes('def downgrade'));
      assert.ok(fs.readFileSync(file, 'utf8').startsWith(`"""blind: ${HOSTILE}\n`), 'docstring verbatim');
      assert.ok(!fs.existsSync(PWNED), `${PWNED} was created: the shell executed part of the message`);
      fs.rmSync(file);
    } finally {
      blind.dispose();
      await setting.update('shellIntegration.enabled', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('says clearly that Alembic is missing from the Python found on PATH, how to fix it, and runs nothing', async () => {
    // Without alembic.pythonPath the runner falls back to python3 on PATH. So that the test does not
    // depend on this machine's PATH, a python3 that cannot see site-packages (so no Alembic) comes first.
    const noAlembic = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-lens-nopy-'));
    fs.writeFileSync(path.join(noAlembic, 'python3'), `#!/bin/sh\nexec ${ALEMBIC_PYTHON} -I -S "$@"\n`, {
      mode: 0o755,
    });
    const savedPath = process.env.PATH;
    process.env.PATH = `${noAlembic}${path.delimiter}${savedPath}`;
    await vscode.workspace
      .getConfiguration('alembic')
      .update('pythonPath', undefined, vscode.ConfigurationTarget.Workspace);
    try {
      const { interpreter, check } = await waitFor('the setting to be gone', async () => {
        const r = await interpreters.resolveAndCheck(root);
        return r.interpreter.source !== 'setting' ? r : undefined;
      });
      console.log(
        `      resolved ${interpreter.path} from ${interpreter.source}; tried: ${interpreter.tried.join('; ')}`,
      );
      if (check.ok) assert.fail(`${interpreter.path} imports Alembic: the test needs a Python without it`);
      assert.strictEqual(check.reason, 'no-alembic', `check: ${JSON.stringify(check)}`);
      console.log(`      ${check.message}`);
      assert.ok(check.message.includes(interpreter.path), 'names the interpreter');
      assert.ok(check.message.includes('pip install alembic'), 'says how to install Alembic');
      assert.ok(check.message.includes('alembic.pythonPath'), 'names the setting');
      assert.ok(check.message.includes('Select Interpreter'), 'mentions selecting an interpreter');
      const count = finished.length;
      await assert.rejects(runner.runCommand(project, { command: 'current' }), {
        name: 'AlembicUnavailableError',
        message: check.message,
      });
      assert.strictEqual(finished.length, count, 'nothing was run');
    } finally {
      process.env.PATH = savedPath;
      fs.rmSync(noAlembic, { recursive: true, force: true });
      await vscode.workspace
        .getConfiguration('alembic')
        .update('pythonPath', ALEMBIC_PYTHON, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('says clearly that there is no Python at a wrong path, and runs nothing', async () => {
    const missing = path.join(root, 'no-such-venv', 'bin', 'python');
    await vscode.workspace
      .getConfiguration('alembic')
      .update('pythonPath', missing, vscode.ConfigurationTarget.Workspace);
    try {
      await waitFor('the setting to apply', async () => (await interpreters.resolve(root)).path === missing);
      const count = finished.length;
      await assert.rejects(runner.runCommand(project, { command: 'current' }), (e: Error) => {
        assert.strictEqual(e.name, 'AlembicUnavailableError');
        assert.match(e.message, /No Python interpreter at .*no-such-venv/);
        assert.match(e.message, /alembic\.pythonPath/);
        return true;
      });
      assert.strictEqual(finished.length, count, 'nothing was run');
    } finally {
      await vscode.workspace
        .getConfiguration('alembic')
        .update('pythonPath', ALEMBIC_PYTHON, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('says that a pyproject.toml-only project needs Alembic 1.16, when the Alembic found is older, and runs nothing', async () => {
    const { check } = await interpreters.resolveAndCheck(root);
    assert.ok(check.ok, 'the test Python has Alembic');
    // Debian's Alembic is 1.8.1; with Alembic 1.16 or later the project would run, and this test says so.
    if (!/^1\.(?:[0-9]|1[0-5])\./.test(check.alembicVersion))
      assert.fail(`this test needs Alembic older than 1.16, found ${check.alembicVersion}`);
    const count = finished.length;
    const tomlOnly: RunnerProject = { ...project, configFile: path.join(root, 'pyproject.toml') };
    await assert.rejects(runner.runCommand(tomlOnly, { command: 'current' }), (e: Error) => {
      assert.strictEqual(e.name, 'AlembicUnavailableError');
      assert.match(e.message, /pyproject\.toml \(\[tool\.alembic\]\), which Alembic reads from version 1\.16 on/);
      assert.match(e.message, new RegExp(`the Alembic found is ${check.alembicVersion.replace(/\./g, '\\.')}`));
      return true;
    });
    assert.strictEqual(finished.length, count, 'nothing was run');
  });
});
