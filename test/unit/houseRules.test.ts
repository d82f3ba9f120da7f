// The rules of the house (ARCHITECTURE.md), checked on the sources: src/core never imports `vscode`
// (it runs in plain Node: the CLI and these tests), and no source file grows past 500 lines but the
// port of Alembic's revision.py.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');
const MAX_LINES = 500;
const LONGER_ALLOWED = new Set(['src/core/revisionMap.ts']);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

describe('house rules', () => {
  const files = sourceFiles('src');

  it('finds the sources', () => {
    assert.ok(files.includes('src/core/project.ts') && files.includes('src/extension.ts'), files.join(', '));
  });

  it('src/core never imports vscode', () => {
    const importing = files
      .filter((file) => file.startsWith('src/core/'))
      .filter((file) =>
        /\bfrom\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)/.test(fs.readFileSync(path.join(ROOT, file), 'utf8')),
      );
    assert.deepStrictEqual(importing, []);
  });

  it(`no source file is over ${MAX_LINES} lines (but the port of revision.py)`, () => {
    const long = files
      .filter((file) => !LONGER_ALLOWED.has(file))
      .map((file) => ({ file, lines: fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines > MAX_LINES);
    assert.deepStrictEqual(long, []);
  });
});
