import * as assert from 'node:assert';
import { decodeEscapes, readPythonModule } from '../../src/core/python';

const WATCHED = new Set(['revision', 'down_revision', 'branch_labels', 'depends_on']);
const read = (text: string) => readPythonModule(text, WATCHED);
const valueNamed = (text: string, name: string) => {
  const found = read(text).assignments.filter((a) => a.name === name);
  return found[found.length - 1]?.value;
};

describe('readPythonModule', () => {
  it('reads plain assignments with any quoting', () => {
    const text = [
      `revision = 'abc123'`,
      `down_revision = "def456"`,
      `branch_labels = ('''one''', """two""")`,
      `depends_on = ['x', r'y']`,
    ].join('\n');
    assert.deepStrictEqual(valueNamed(text, 'revision'), { kind: 'str', value: 'abc123' });
    assert.deepStrictEqual(valueNamed(text, 'down_revision'), { kind: 'str', value: 'def456' });
    assert.deepStrictEqual(valueNamed(text, 'branch_labels'), {
      kind: 'seq',
      items: [
        { kind: 'str', value: 'one' },
        { kind: 'str', value: 'two' },
      ],
    });
    assert.deepStrictEqual(valueNamed(text, 'depends_on'), {
      kind: 'seq',
      items: [
        { kind: 'str', value: 'x' },
        { kind: 'str', value: 'y' },
      ],
    });
  });

  it('reads annotated assignments of the newer template', () => {
    const text = [
      'from typing import Sequence, Union',
      `revision: str = "1a2b"`,
      `down_revision: Union[str, Sequence[str], None] = ("aa", "bb")`,
      `branch_labels: Union[str, Sequence[str], None] = None`,
      `depends_on: Union[str, Sequence[str], None] = None`,
    ].join('\n');
    assert.deepStrictEqual(valueNamed(text, 'revision'), { kind: 'str', value: '1a2b' });
    assert.deepStrictEqual(valueNamed(text, 'down_revision'), {
      kind: 'seq',
      items: [
        { kind: 'str', value: 'aa' },
        { kind: 'str', value: 'bb' },
      ],
    });
    assert.deepStrictEqual(valueNamed(text, 'branch_labels'), { kind: 'none' });
  });

  it('ignores a bare annotation without a value', () => {
    assert.strictEqual(valueNamed('revision: str\n', 'revision'), undefined);
  });

  it('never takes text from comments, strings or function bodies', () => {
    const text = [
      '"""Doc',
      'revision = "in-docstring"',
      '"""',
      '# revision = "in-comment"',
      `x = '''`,
      `revision = "in-string"`,
      `'''`,
      'def upgrade():',
      '    revision = "in-function"',
      'class Helper:',
      '    down_revision = "in-class"',
      'revision = "real"',
      'down_revision = None',
    ].join('\n');
    assert.deepStrictEqual(valueNamed(text, 'revision'), { kind: 'str', value: 'real' });
    assert.deepStrictEqual(valueNamed(text, 'down_revision'), { kind: 'none' });
    assert.strictEqual(read(text).assignments.filter((a) => a.name === 'revision').length, 1);
  });

  it('keeps the last assignment, as Python does', () => {
    assert.deepStrictEqual(valueNamed(`revision = 'a'\nrevision = 'b'\n`, 'revision'), { kind: 'str', value: 'b' });
  });

  it('handles continuation lines, brackets across lines, semicolons and chained assignment', () => {
    const text = [
      'down_revision = (',
      `    'a',  # first parent`,
      `    'b',`,
      ')',
      `revision = \\`,
      `    'cont'`,
      `x = 1; branch_labels = 'lbl'`,
      `depends_on = other = 'dep'`,
    ].join('\n');
    assert.deepStrictEqual(valueNamed(text, 'down_revision'), {
      kind: 'seq',
      items: [
        { kind: 'str', value: 'a' },
        { kind: 'str', value: 'b' },
      ],
    });
    assert.deepStrictEqual(valueNamed(text, 'revision'), { kind: 'str', value: 'cont' });
    assert.deepStrictEqual(valueNamed(text, 'branch_labels'), { kind: 'str', value: 'lbl' });
    assert.deepStrictEqual(valueNamed(text, 'depends_on'), { kind: 'str', value: 'dep' });
  });

  it('concatenates adjacent string literals and unwraps parentheses', () => {
    assert.deepStrictEqual(valueNamed(`revision = ('ab' "cd")\n`, 'revision'), { kind: 'str', value: 'abcd' });
    assert.deepStrictEqual(valueNamed(`down_revision = ('x',)\n`, 'down_revision'), {
      kind: 'seq',
      items: [{ kind: 'str', value: 'x' }],
    });
    assert.deepStrictEqual(valueNamed(`down_revision = 'x', 'y'\n`, 'down_revision'), {
      kind: 'seq',
      items: [
        { kind: 'str', value: 'x' },
        { kind: 'str', value: 'y' },
      ],
    });
  });

  it('reports computed values instead of guessing', () => {
    for (const expr of ['make_id()', 'other_revision', 'f"{x}"', "b'bytes'", "'a' + 'b'", "{'a': 1}"]) {
      assert.strictEqual(valueNamed(`revision = ${expr}\n`, 'revision')?.kind, 'computed', expr);
    }
    assert.deepStrictEqual(valueNamed(`revision = f'plain'\n`, 'revision'), { kind: 'str', value: 'plain' });
  });

  it('reports a list changed in place after its assignment as computed; a string or None stays as read', () => {
    for (const change of [
      "depends_on += ['b']",
      "depends_on.append('b')",
      "depends_on.extend(['b'])",
      "depends_on[0] = 'b'",
    ])
      assert.strictEqual(valueNamed(`depends_on = ['a']\n${change}\n`, 'depends_on')?.kind, 'computed', change);
    assert.deepStrictEqual(valueNamed(`revision = 'a1'\nrevision.upper()\n`, 'revision'), { kind: 'str', value: 'a1' });
    assert.deepStrictEqual(valueNamed(`depends_on = None\ndepends_on.x()\n`, 'depends_on'), { kind: 'none' });
    // Inside a function the change never runs on import.
    assert.deepStrictEqual(valueNamed(`depends_on = ['a']\ndef f():\n    depends_on.append('b')\n`, 'depends_on'), {
      kind: 'seq',
      items: [{ kind: 'str', value: 'a' }],
    });
  });

  it('flags assignments inside module-level if/try blocks as conditional', () => {
    const found = read(`try:\n    revision = 'a'\nexcept Exception:\n    pass\n`).assignments;
    assert.strictEqual(found.length, 1);
    assert.strictEqual(found[0].topLevel, false);
  });

  it('reads the docstring with escapes processed, and only when it is the first statement', () => {
    assert.strictEqual(
      read(`# comment\n"""Add users\\ttable\n\nRevision ID: x\n"""\nrevision = 'x'\n`).docstring,
      'Add users\ttable\n\nRevision ID: x\n',
    );
    assert.strictEqual(read(`r'''raw \\n'''\n`).docstring, 'raw \\n');
    assert.strictEqual(read(`import os\n"""not a docstring"""\n`).docstring, undefined);
  });

  it('gives 1-based lines of statements', () => {
    const found = read(`"""doc\n\nmore\n"""\n\nrevision = 'a'\ndown_revision = None\n`).assignments;
    assert.deepStrictEqual(
      found.map((a) => [a.name, a.line]),
      [
        ['revision', 6],
        ['down_revision', 7],
      ],
    );
  });

  it('reports unterminated strings and unbalanced brackets with a line', () => {
    assert.deepStrictEqual(read(`revision = 'a'\ndown_revision = ('b'\n`).syntaxError?.line, 2);
    assert.strictEqual(read(`x = """never closed\n\n`).syntaxError?.line, 1);
    assert.strictEqual(read(`x = 'a\nrevision = 'b'\n`).syntaxError?.line, 1);
    assert.ok(read(`x = (1]\n`).syntaxError);
  });

  it('handles CRLF line endings and a BOM', () => {
    const found = read(`\ufeff"""doc"""\r\nrevision = 'a'\r\ndown_revision = 'b'\r\n`);
    assert.strictEqual(found.docstring, 'doc');
    assert.deepStrictEqual(
      found.assignments.map((a) => [a.name, a.line]),
      [
        ['revision', 2],
        ['down_revision', 3],
      ],
    );
  });
});

describe('decodeEscapes', () => {
  it('follows Python escape rules', () => {
    assert.strictEqual(decodeEscapes("a\\nb\\\\c\\'d\\x41\\u00e9\\101\\q"), "a\nb\\c'dAéA\\q");
    assert.strictEqual(decodeEscapes('line\\\nnext'), 'linenext');
  });
});

describe('readPythonModule indentation (IndentationError rules)', () => {
  const error = (text: string) => readPythonModule(text, new Set(['revision'])).syntaxError;
  it('accepts well-indented code, tabs and continuation lines', () => {
    assert.strictEqual(error('def f():\n    if x:\n        pass\n    return (1,\n  2)\nrevision = "a"\n'), undefined);
    assert.strictEqual(error('def f():\n\tpass\n'), undefined);
    assert.strictEqual(error('class A: pass\nx = {"a":\n 1}\n'), undefined);
  });
  // Lines and messages as Python 3.11's compile() reports them.
  it('reports unexpected indents, missing blocks and inconsistent dedents with their line', () => {
    assert.deepStrictEqual(error('x = 1\n    y = 2\n'), { message: 'unexpected indent', line: 2 });
    assert.deepStrictEqual(error('def f():\nreturn 1\n'), { message: 'expected an indented block', line: 2 });
    assert.deepStrictEqual(error('def f():\n    pass\n  x = 1\n'), {
      message: 'unindent does not match any outer indentation level',
      line: 3,
    });
    assert.deepStrictEqual(error('def f():\n# only a comment\n'), { message: 'expected an indented block', line: 2 });
  });
  it('does not take a bytes or f-string first statement as the docstring', () => {
    assert.strictEqual(readPythonModule('b"""bytes"""\n', new Set()).docstring, undefined);
    assert.strictEqual(readPythonModule('f"""fmt"""\n', new Set()).docstring, undefined);
  });
});

describe('readPythonModule missing colon', () => {
  // Python 3.11: "expected ':'" on the header line.
  it("names a compound statement header without ':' instead of the indented line after it", () => {
    for (const text of ['def f()\n    pass\n', 'if x\n    pass\n', 'class A(B)\n    x = 1\n']) {
      assert.deepStrictEqual(readPythonModule(text, new Set()).syntaxError, { message: "expected ':'", line: 1 }, text);
    }
  });
});

describe('readPythonModule: the other ways a module binds a name', () => {
  const WATCHED = new Set(['revision', 'down_revision']);
  const values = (text: string) =>
    readPythonModule(text, WATCHED).assignments.map((a) => [
      a.name,
      a.value.kind === 'str' ? a.value.value : a.value.kind,
    ]);

  it('tuple unpacking: each name its item; a value of another length or no literal is computed', () => {
    assert.deepStrictEqual(values("revision, down_revision = 'b1', 'a0'\n"), [
      ['revision', 'b1'],
      ['down_revision', 'a0'],
    ]);
    assert.deepStrictEqual(values("revision, down_revision = ('b1', 'a0')\nx, revision = 'y', 'c2'\n"), [
      ['revision', 'b1'],
      ['down_revision', 'a0'],
      ['revision', 'c2'],
    ]);
    assert.deepStrictEqual(values("revision, down_revision = ids()\nrevision, down_revision = 'b1', 'a0', 'z'\n"), [
      ['revision', 'computed'],
      ['down_revision', 'computed'],
      ['revision', 'computed'],
      ['down_revision', 'computed'],
    ]);
  });

  it('an assignment expression at module level binds the name', () => {
    assert.deepStrictEqual(values("(revision := 'b1')\n"), [['revision', 'b1']]);
    assert.deepStrictEqual(values("(revision := 'b1') or other\n"), [['revision', 'computed']]);
  });
});
