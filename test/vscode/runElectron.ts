// Runs the same extension-host suite in desktop VS Code via @vscode/test-electron, for machines that can
// download VS Code (a contributor's laptop, a public CI). This machine cannot: use scripts/vscode-test.sh.
//
//   npm run build && node out/test/vscode/runElectron.js [resultFile]
//   env: VSCODE_VERSION (default 1.100.3; "stable" for the latest)

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { copySample } from '../support/sampleCopy';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '../../..'); // out/test/vscode -> repo root
  const resultFile = path.resolve(process.argv[2] ?? path.join(root, 'test-output/results/vscode-electron.json'));
  // The tests write into the workspace: give them a copy, never the repo's migrations-sample/.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-lens-electron-'));
  const workspace = path.join(tmp, 'migrations-sample');
  copySample(workspace, path.join(root, 'migrations-sample'));
  fs.rmSync(resultFile, { force: true });
  try {
    await runTests({
      version: process.env.VSCODE_VERSION ?? '1.100.3',
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(__dirname, 'index.js'),
      launchArgs: [
        workspace,
        '--disable-extensions', // only the extension under test
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        `--user-data-dir=${path.join(tmp, 'user-data')}`,
      ],
      extensionTestsEnv: {
        ALEMBIC_LENS_RESULT_FILE: resultFile,
        ALEMBIC_LENS_TEST_WORKSPACE: workspace,
        ALEMBIC_LENS_COLOR: process.stdout.isTTY ? '1' : '0',
      },
    });
  } catch (e) {
    // runTests rejects when the tests fail or VS Code could not start; the result file tells which.
    console.error(`[runElectron] ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
    if (!fs.existsSync(resultFile)) {
      fs.mkdirSync(path.dirname(resultFile), { recursive: true });
      fs.writeFileSync(resultFile, JSON.stringify({ tier: 'vscode', passed: 0, failed: 1, skipped: 0 }));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

void main();
