// Python's own refusals, as the one Python reader (src/core/python) makes them: null bytes, TabError,
// nesting deeper than CPython's tokenizer allows, codecs as Python defines them, and `\N{NAME}`.
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lintRevision } from '../../src/core/lint';
import { migrationOps, parseModelModule } from '../../src/core/models';
import { loadProject } from '../../src/core/project';
import {
  decodeEscapes,
  decodePythonSource,
  findGrammarError,
  indexPythonModule,
  lookupUnicodeName,
  parseExpression,
  readPythonModule,
  tokenizePython,
} from '../../src/core/python';
import { readRevisionFile } from '../../src/core/revisionFile';
import { findUrlSource } from '../../src/core/urlSource';
import { revisionText, tempDir, writeProject } from '../support/tempProject';

const WATCHED = new Set(['revision', 'down_revision']);
const moduleError = (text: string) => readPythonModule(text, WATCHED).syntaxError;
const tokenizerError = (text: string) => tokenizePython(text).error;
const bytes = (text: string) => Buffer.from(text, 'latin1');
const decodeError = (data: Buffer) => {
  const decoded = decodePythonSource(data);
  return 'error' in decoded ? decoded : undefined;
};
const nested = (depth: number) => `x = ${'('.repeat(depth)}1${')'.repeat(depth)}\n`;
const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');

/** A project a1 <- b2 <- c3 whose c3 has `down_revision = ((((...'b2'...))))`, 8,000 deep. */
function projectWithDeepFile(): { dir: string; ini: string; line: number } {
  const dir = tempDir();
  const ini = writeProject(dir, [{ id: 'a1' }, { id: 'b2', down: 'a1' }]);
  const text = revisionText({ id: 'c3', down: 'b2' }).replace(
    'down_revision = "b2"',
    `down_revision = ${'('.repeat(8000)}"b2"${')'.repeat(8000)}`,
  );
  fs.writeFileSync(path.join(dir, 'alembic', 'versions', 'c3.py'), text);
  return { dir, ini, line: text.split('\n').findIndex((l) => l.startsWith('down_revision')) + 1 };
}

describe('Python refusals', () => {
  it('refuses null bytes, at the line of the first one, in both tokenizers', () => {
    const text = 'revision = "a1"\ndown_revision = "b\0"\n';
    const expected = { message: 'source code cannot contain null bytes', line: 2 };
    assert.deepStrictEqual(moduleError(text), expected);
    assert.deepStrictEqual(tokenizerError(text), expected);
  });

  it('raises TabError where tabs and spaces make indentation depend on the tab size', () => {
    const expected = { message: 'inconsistent use of tabs and spaces in indentation', line: 3 };
    for (const text of [
      'if x:\n        a = 1\n\tb = 2\n',
      'if x:\n\ta = 1\n        b = 2\n',
      'if x:\n  \ta = 1\n\t  b = 2\n',
    ]) {
      assert.deepStrictEqual(moduleError(text), expected, JSON.stringify(text));
      assert.deepStrictEqual(tokenizerError(text), expected, JSON.stringify(text));
    }
    // Consistent tabs, and tabs only inside brackets, are fine.
    assert.strictEqual(moduleError('if x:\n\ta = 1\n\tb = 2\n'), undefined);
    assert.strictEqual(tokenizerError('x = (1,\n\t2,\n        3)\n'), undefined);
  });

  it('stops at 200 nested brackets as CPython does, at the line of the 201st', () => {
    const expected = { message: 'too many nested parentheses', line: 2 };
    assert.strictEqual(moduleError(nested(200)), undefined);
    assert.strictEqual(tokenizerError(nested(200)), undefined);
    assert.deepStrictEqual(moduleError(`a = 1\n${nested(201)}`), expected);
    assert.deepStrictEqual(tokenizerError(`a = 1\n${nested(8000)}`), expected);
  });

  it('reads 8,000 nested brackets, and 8,000 unary operators, in every reader without a stack overflow', function () {
    this.timeout(20_000); // the full-grammar check takes about a second on each of these
    const deep = `from alembic import op\nimport sqlalchemy as sa\nrevision = "a1"\ndown_revision = None\n${nested(8000)}`;
    const unary = `revision = "a1"\nx = ${'-'.repeat(8000)}1\ndef upgrade():\n    op.f(${'not '.repeat(8000)}1)\n`;
    for (const text of [deep, unary]) {
      readPythonModule(text, WATCHED);
      indexPythonModule(text);
      migrationOps(text);
      parseModelModule(
        `from sqlalchemy.orm import DeclarativeBase\nclass A(DeclarativeBase):\n    x = ${'-'.repeat(8000)}1\n`,
        'm.py',
      );
      lintRevision(text, 'r.py');
      findUrlSource(`${text}\nurl = ${'-'.repeat(8000)}1\n`, { envPyPath: '/nowhere/env.py', baseDir: '/nowhere' });
      findGrammarError(text);
    }
    assert.deepStrictEqual(
      readRevisionFile('r.py', deep).problems.map((p) => [p.line, p.message]),
      [[5, 'Python syntax error: too many nested parentheses. Alembic cannot import this file.']],
    );
  });

  it('decodes with the declared codec as Python defines it', () => {
    const text = (data: Buffer) => {
      const decoded = decodePythonSource(data);
      return 'text' in decoded ? decoded.text : decoded.error;
    };
    assert.strictEqual(text(bytes('# coding: cp1252\nx = "\x80\x9f"\n')), '# coding: cp1252\nx = "\u20ac\u0178"\n');
    assert.strictEqual(
      text(bytes('# -*- coding: latin-1 -*-\nx = "\x80\xe9"\n')),
      '# -*- coding: latin-1 -*-\nx = "\x80\xe9"\n',
    );
    assert.strictEqual(
      text(bytes('# vim: set fileencoding=iso-8859-15 :\nx = "\xa4"\n')),
      '# vim: set fileencoding=iso-8859-15 :\nx = "\u20ac"\n',
    );
    for (const undefinedByte of [0x81, 0x8d, 0x8f, 0x90, 0x9d]) {
      const data = Buffer.concat([bytes('# coding: cp1252\nx = 1\ny = "'), Buffer.from([undefinedByte]), bytes('"\n')]);
      assert.strictEqual(decodeError(data)?.line, 3, `cp1252 byte 0x${undefinedByte.toString(16)}`);
    }
    assert.strictEqual(decodeError(bytes('# coding: ascii\nx = 1\ny = "\xe9"\n'))?.line, 3);
    assert.strictEqual(decodeError(bytes('x = 1\ny = "\xff"\n'))?.line, 2);
    assert.deepStrictEqual(decodeError(bytes('\xef\xbb\xbf# coding: latin-1\nx = 1\n')), {
      error: 'encoding problem: iso-8859-1 with BOM',
      line: 1,
    });
    assert.deepStrictEqual(decodeError(bytes('# coding: klingon\nx = 1\n')), {
      error: 'unknown encoding: klingon',
      line: 1,
    });
    assert.match(
      decodeError(bytes('\n# coding: koi8-r\nx = 1\n'))?.error ?? '',
      /^encoding koi8-r is not one alembic-lens reads/,
    );
    assert.strictEqual(text(bytes('\xef\xbb\xbf# coding: utf-8\nx = 1\n')), '# coding: utf-8\nx = 1\n');
  });

  it('decodes \\N{NAME} escapes: names and aliases, case-insensitively, and refuses unknown names', function () {
    this.timeout(20_000); // the name table is built on first use: about half a second
    assert.strictEqual(decodeEscapes('a\\N{DIGIT TWO}'), 'a2');
    assert.strictEqual(decodeEscapes('\\N{digit two}\\N{Latin Small Letter E With Acute}'), '2\u00e9');
    assert.strictEqual(decodeEscapes('\\N{BOM}\\N{LINE FEED}\\N{LATIN CAPITAL LETTER GHA}'), '\ufeff\n\u01a2');
    assert.strictEqual(decodeEscapes('\\N{CJK UNIFIED IDEOGRAPH-4E00}\\N{HANGUL SYLLABLE GAG}'), '\u4e00\uac01');
    assert.strictEqual(lookupUnicodeName('cjk unified ideograph-4e00'), undefined, 'computed names are case-sensitive');
    assert.strictEqual(lookupUnicodeName('TANGUT IDEOGRAPH-17000'), undefined, 'Python 3.11 names no Tangut ideograph');
    assert.throws(() => decodeEscapes('\\N{DIGIT TWOO}'), /unknown Unicode character name/);
    assert.throws(() => decodeEscapes('\\N'), /malformed \\N character escape/);
    assert.strictEqual(decodeEscapes('\\N{NOT A NAME}', true), '\\N{NOT A NAME}', 'bytes have no \\N escape');
    assert.deepStrictEqual(moduleError('x = 1\ny = "\\N{NO SUCH CHARACTER}"\n')?.line, 2);
    const fString = parseExpression(tokenizePython('f"a\\N{DIGIT TWO}{b}"\n').lines[0].tokens);
    assert.deepStrictEqual(
      fString,
      { k: 'fstr', parts: ['a2', { k: 'name', id: 'b', line: 1 }], line: 1 },
      'in an f-string, \\N{...} is no field',
    );
  });

  it('reads down_revision = "a\\N{DIGIT TWO}" as a2, so the history links', () => {
    const dir = tempDir();
    const ini = writeProject(dir, [{ id: 'a2' }]);
    const text = revisionText({ id: 'b3', down: 'a2' }).replace(
      'down_revision = "a2"',
      'down_revision = "a\\N{DIGIT TWO}"',
    );
    fs.writeFileSync(path.join(dir, 'alembic', 'versions', 'b3.py'), text);
    const project = loadProject(ini);
    assert.deepStrictEqual(project.problems, []);
    assert.deepStrictEqual(project.graph.heads, ['b3']);
  });

  it('loads the rest of a project when one revision file has 8,000 nested parentheses: one problem, at its line', () => {
    const { ini, line } = projectWithDeepFile();
    const project = loadProject(ini);
    project.checkGrammar();
    assert.deepStrictEqual(project.graph.heads, ['b2']);
    assert.deepStrictEqual(
      project.problems.map((p) => [path.basename(p.path), p.line, p.message]),
      [['c3.py', line, 'Python syntax error: too many nested parentheses. Alembic cannot import this file.']],
    );
  });

  it("the CLI's heads prints the heads and one problem for a file with 8,000 nested parentheses", () => {
    const cli = path.join(ROOT, 'dist', 'cli.js');
    assert.ok(fs.existsSync(cli), `${cli} is built (npm test builds it first)`);
    const { dir, ini, line } = projectWithDeepFile();
    const run = spawnSync(process.execPath, [cli, '-c', ini, '--no-cache', 'heads'], { cwd: dir, encoding: 'utf8' });
    assert.strictEqual(run.stdout, 'b2 (head)\n', run.stderr);
    assert.strictEqual(
      run.stderr,
      `alembic/versions/c3.py:${line}: error: Python syntax error: too many nested parentheses. Alembic cannot import this file. [syntax-error]\n`,
    );
  });
});

describe('Project, when a reader fails unexpectedly', () => {
  it('keeps the other revision files and reports one problem on the failing file', () => {
    const dir = tempDir();
    const ini = writeProject(dir, [{ id: 'a1' }, { id: 'b2', down: 'a1', message: 'FAILS HERE' }]);
    const decode = Buffer.prototype.toString;
    // An exception no reader expects, from deep inside one file's read (decoding it).
    Buffer.prototype.toString = function (this: Buffer, ...args: Parameters<typeof decode>) {
      const text = decode.apply(this, args);
      if (text.includes('FAILS HERE')) throw new RangeError('simulated failure');
      return text;
    };
    try {
      const project = loadProject(ini);
      assert.deepStrictEqual(project.graph.heads, ['a1']);
      assert.deepStrictEqual(
        project.problems.map((p) => [p.code, path.basename(p.path), p.line, p.message]),
        [
          [
            'internal-error',
            path.basename(project.revisionFiles[1]),
            1,
            'alembic-lens could not read this file: RangeError: simulated failure',
          ],
        ],
      );
    } finally {
      Buffer.prototype.toString = decode;
    }
  });
});

describe('loadProject, when loading fails unexpectedly', () => {
  it('returns the project with one problem on its config file instead of throwing', () => {
    const dir = tempDir();
    const ini = writeProject(dir, [{ id: 'a1' }]);
    // The module object itself, whose functions the bundled code calls (an import's binding is read-only).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pathModule = require('node:path') as { resolve: typeof path.resolve };
    const resolve = pathModule.resolve;
    // An exception no part of loading expects, from inside the config reader.
    pathModule.resolve = (...parts: string[]) => {
      if (new Error().stack?.includes('loadConfig')) throw new RangeError('simulated failure');
      return resolve(...parts);
    };
    let project: ReturnType<typeof loadProject>;
    try {
      project = loadProject(ini);
    } finally {
      pathModule.resolve = resolve;
    }
    assert.deepStrictEqual(project.graph.heads, []);
    assert.deepStrictEqual(
      project.problems.map((p) => [p.code, p.path, p.line, p.message]),
      [['internal-error', ini, 1, 'alembic-lens could not load this project: RangeError: simulated failure']],
    );
  });
});
