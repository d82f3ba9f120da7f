// Tests module for the VS Code extension host (the `extensionTestsPath`): VS Code calls run() and turns a
// rejection into a failing exit code. Works under both launchers: scripts/vscode-test.sh (code-server +
// Chromium) and test/vscode/runElectron.ts (@vscode/test-electron, desktop VS Code).
//
// Environment (set on the process that starts VS Code, inherited by the extension host):
//   ALEMBIC_LENS_RESULT_FILE     where to write {tier, passed, failed, skipped}
//   ALEMBIC_LENS_TEST_WORKSPACE  the throw-away workspace folder the tests may modify
//   ALEMBIC_LENS_SELFCHECK       harness self-check: `fail` adds a deliberately failing test,
//                                `hang` never settles (exercises the launcher's timeout)
//   ALEMBIC_LENS_COLOR           1 = coloured mocha output
//   ALEMBIC_LENS_UNTRUSTED       1 = the workspace is untrusted (restricted mode): only the tests in
//                                untrusted/ run; otherwise every test but those
import * as path from 'node:path';
import { findTestFiles, runMochaFiles } from '../support/mochaRunner';

export async function run(): Promise<void> {
  const resultFile =
    process.env.ALEMBIC_LENS_RESULT_FILE || path.resolve(__dirname, '../../../test-output/results/vscode-mocha.json');
  const untrustedDir = path.join(__dirname, 'untrusted');
  const files =
    process.env.ALEMBIC_LENS_UNTRUSTED === '1'
      ? findTestFiles(untrustedDir)
      : findTestFiles(__dirname).filter((file) => !file.startsWith(untrustedDir + path.sep));
  switch (process.env.ALEMBIC_LENS_SELFCHECK) {
    case 'fail':
      files.push(path.join(__dirname, 'selfcheck', 'deliberateFailure.js'));
      break;
    case 'hang':
      return new Promise<void>(() => undefined);
  }
  const failures = await runMochaFiles('vscode', files, resultFile, {
    color: process.env.ALEMBIC_LENS_COLOR === '1',
    timeout: 30000,
  });
  if (failures) throw new Error(`${failures} test(s) failed`);
}
