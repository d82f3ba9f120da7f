// Differential tests of the Python reader's refusals against the real CPython: for each hostile file
// (null bytes, tabs, nesting, codecs, string escapes), alembic-lens must refuse exactly when
// `compile()` does, at the line CPython names when it names one, and read accepted strings as
// CPython does. The cases are bytes made here; the truth is CPython's, recorded by compile_cases.py.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodePythonSource, findGrammarError, readPythonModule, tokenizePython } from '../../src/core/python';
import { checkPython, describeRun, makeTempDir, ROOT, removeTempDir, runPython } from './harness';

const latin1 = (text: string) => Buffer.from(text, 'latin1');
const nest = (open: string, close: string, depth: number) => `x = ${open.repeat(depth)}1${close.repeat(depth)}\n`;

const CASES: Record<string, Buffer> = {
  nul_in_string: latin1('x = "a\0b"\n'),
  nul_line_3: latin1('a = 1\n# comment\nb = 2\0\n'),
  nul_in_comment: latin1('# \0\nx = 1\n'),
  tab_after_spaces: latin1('if a:\n        b = 1\n\tc = 2\n'),
  spaces_after_tab: latin1('if a:\n\tb = 1\n        c = 2\n'),
  tab_space_mix_nested: latin1('if a:\n    if b:\n\tc = 1\n'),
  tab_then_dedent_mismatch: latin1('if a:\n  \tb = 1\n\t  c = 2\n'),
  tabs_consistent: latin1('if a:\n\tif b:\n\t\tc = 1\n\td = 2\n'),
  tabs_in_brackets: latin1('x = (1,\n\t2,\n        3)\n'),
  unindent_mismatch: latin1('if a:\n    b = 1\n  c = 2\n'),
  parens_200: latin1(nest('(', ')', 200)),
  parens_201: latin1(`a = 1\n${nest('(', ')', 201)}`),
  brackets_201: latin1(nest('[', ']', 201)),
  braces_mixed_201: latin1(`x = ${'([{'.repeat(67)}1${'}])'.repeat(67)}\n`),
  parens_8000_in_function: latin1(`def f():\n    return ${'('.repeat(8000)}1${')'.repeat(8000)}\n`),
  cp1252_defined: latin1('# coding: cp1252\nx = "\x80\x8a\x9f\xe9"\n'),
  cp1252_0x81: latin1('# coding: cp1252\nx = 1\ny = "\x81"\n'),
  cp1252_0x8d: latin1('# -*- coding: windows-1252 -*-\nx = "\x8d"\n'),
  cp1252_0x8f: latin1('# coding=cp1252\n\nx = "\x8f"\n'),
  cp1252_0x90: latin1('# coding: cp1252\nx = "\x90"\n'),
  cp1252_0x9d: latin1('# coding: cp1252\nx = "\x9d"\n'),
  latin1_high_bytes: latin1(
    `# coding: latin-1\nx = "${Array.from({ length: 128 }, (_, i) => String.fromCharCode(128 + i))
      .join('')
      .replace(/[\x85]/g, '')}"\n`,
  ),
  latin1_iso_spelling: latin1('# vim: set fileencoding=iso-8859-1 :\nx = "\xa4"\n'),
  latin9: latin1('# coding: iso8859-15\nx = "\xa4\xbd"\n'),
  ascii_ok: latin1('# coding: ascii\nx = "plain"\n'),
  ascii_high_byte: latin1('# coding: ascii\nx = 1\ny = "\xe9"\n'),
  us_ascii_high_byte: latin1('#!/usr/bin/env python\n# coding: us-ascii\nx = "\xe9"\n'),
  bom_utf8_declared: latin1('\xef\xbb\xbf# coding: utf-8\nx = "\xc3\xa9"\n'),
  bom_latin1_declared: latin1('\xef\xbb\xbf# coding: latin-1\nx = 1\n'),
  utf8_invalid_start: latin1('x = 1\ny = "\xff"\n'),
  utf8_overlong: latin1('x = 1\n\ny = "\xc0\x80"\n'),
  utf8_surrogate: latin1('x = "\xed\xa0\x80"\n'),
  utf8_truncated: latin1('x = "\xe2\x82"\n'),
  unknown_codec: latin1('# coding: klingon\nx = 1\n'),
  coding_on_line_3_ignored: latin1('x = 1\n\n# coding: klingon\n'),
  named_digit_two: latin1('x = "a\\N{DIGIT TWO}"\n'),
  named_lowercase: latin1('x = "\\N{latin small letter e with acute}"\n'),
  named_aliases: latin1('x = "\\N{BOM}\\N{LINE FEED}\\N{LATIN CAPITAL LETTER GHA}\\N{NBSP}"\n'),
  named_cjk_hangul: latin1(
    'x = "\\N{CJK UNIFIED IDEOGRAPH-4E00}\\N{HANGUL SYLLABLE GAG}\\N{CJK COMPATIBILITY IDEOGRAPH-F900}"\n',
  ),
  named_cjk_lowercase: latin1('x = "\\N{cjk unified ideograph-4e00}"\n'),
  named_unknown: latin1('x = 1\ny = "\\N{DIGIT TWOO}"\n'),
  named_unknown_in_function: latin1('def f():\n    return "\\N{NO SUCH NAME}"\n'),
  named_malformed: latin1('x = "\\N"\n'),
  named_empty: latin1('x = "\\N{}"\n'),
  named_in_bytes: latin1('x = b"\\N{NO SUCH NAME}"\n'),
  named_in_raw: latin1('x = r"\\N{NO SUCH NAME}"\n'),
  named_in_fstring: latin1('x = f"\\N{DIGIT TWO}"\n'),
  truncated_x: latin1('x = "\\x4"\n'),
  truncated_u: latin1('x = 1\ny = "\\u12"\n'),
  truncated_U: latin1('x = "\\U0001F60"\n'),
  illegal_U: latin1('x = "\\U00110000"\n'),
  bytes_bad_x: latin1('x = b"\\xZZ"\n'),
  escapes_kept: latin1('x = "\\q\\d"\n'),
  // Newer grammar than the full-syntax check's parser knows (3.9 to 3.11), accepted as CPython does.
  paren_with: latin1('with (op.batch_alter_table("t") as batch_op):\n    batch_op.drop_column("x")\n'),
  paren_with_lines: latin1(
    'def upgrade():\n    with (\n        op.batch_alter_table("a") as a,  # as b\n        open("as") as (x, y),\n    ):\n        pass\n',
  ),
  paren_with_async: latin1('async def f():\n    async with (a as b, c as d):\n        pass\n'),
  paren_with_then_error: latin1('with (a as b):\n    pass\nx = = 1\n'),
  paren_with_as_outside: latin1('with (a as b) as c:\n    pass\n'),
  decorator_expression: latin1('@handlers[0].register\ndef f():\n    pass\n'),
  star_in_subscript: latin1('x = a[*b]\ny = a[1, *c]\n'),
  matmul_continuation_then_error: latin1('x = (a\n@ b)\ny = = 2\n'),
  // Forms the full-syntax check's parser never took (a hostile try found them refused as syntax errors).
  float_trailing_point: latin1('x = 5.\nprint(5.)\ny = {1.: 2.}\nz = [1., 2., 1_0.]\nw = sa.Float(precision=10.)\n'),
  float_trailing_point_then_error: latin1('y = 5.\nx = = 1\n'),
  float_forms_kept: latin1('x = 1.e5 + 5.j + 1.5 + 0x1f\ny = x1.real if (x1 := 2) else 3\n'),
  yield_bare: latin1(
    'def f(): yield\ndef g():\n    x = yield\n    a = b = yield\n    f((yield))\n    y = (yield) + 1\n',
  ),
  yield_lambda: latin1('f = lambda: (yield)\n'),
  yield_unclosed: latin1('def g():\n    x = (yield\n'),
  with_tuple_target: latin1('with a as (b, c): pass\nwith d as (e, (f, g)), h as i:\n    pass\n'),
  with_tuple_target_in_group: latin1('with (a as (b, c), d as e):\n    pass\n'),
  with_tuple_target_missing_colon: latin1('with a as (b, c) pass\n'),
  // Forms of real code (prefect, nova, indico, warehouse, skyvern...) the parser refused: 643 of 23,748 files.
  match_statement: latin1(
    'match p:\n    case A() | B():\n        pass\n    case True, False:\n        pass\n    case [{"t": str()}]:\n        pass\n    case C() as c if c.x:\n        pass\n    case _:\n        pass\n',
  ),
  match_names_kept: latin1('match = 1\ncase = match(2)\nmatch[0] = case\n'),
  with_as_attribute: latin1('with open("a") as self.f, g() as items[0]:\n    pass\n'),
  with_as_outside_then_name: latin1('with (a as b) as c:\n    pass\n'),
  fstring_escaped_braces: latin1('import re\np = rf"\\{{\\{{\\s*({x})\\s*"\nq = f"{{{{{y}"\n'),
  star_after_string_in_list: latin1("for v in [' ', 10, 'a' * 260]:\n    pass\n"),
  yield_string_value: latin1("def f():\n    yield 'a'\n    yield '-f', b\n"),
  // What CPython's tokenizer refuses and the grammar's parser took (UTF-8 files: Buffer.from(text)).
  invalid_character: Buffer.from('x = 1\ny = \u2202\n'),
  no_break_space: Buffer.from('x = 1\u00a0+ 2\n'),
  zero_width_no_break: Buffer.from('x = 1\ny = 2\ufeff\n'),
  names_and_text_unicode: Buffer.from('caf\u00e9 = 1\nx = "\u2202 \u00a0 \ud83d\ude00"  # \u2202 \ud83d\ude00\n'),
  leading_zeros: latin1('x = 1\ny = 0777\n'),
  leading_zeros_underscore: latin1('x = 0_1\n'),
  trailing_underscore: latin1('x = 1_000_\n'),
  double_underscore: latin1('x = 1__0\n'),
  numbers_kept: latin1(
    'x = 00 + 0_0 + 0777.5 + 0777e1 + 0777j + 0o777 + 0x_1f + 1_000 + 0b1_0 + x0777\ny = "0777"  # 1_\n',
  ),
};

type Truth = { ok: boolean; line: number | null; error: string; x?: string | null };

/** What alembic-lens decides for a revision file: refused (the line) or accepted (x's value). */
function lensDecision(bytes: Buffer): { ok: boolean; line?: number; error?: string; x?: string } {
  const decoded = decodePythonSource(bytes);
  if ('error' in decoded) return { ok: false, line: decoded.line, error: decoded.error };
  const module = readPythonModule(decoded.text, new Set(['x']));
  const error = module.syntaxError ?? tokenizePython(decoded.text).error ?? findGrammarError(decoded.text);
  if (error) return { ok: false, line: error.line, error: error.message };
  const x = module.assignments.find((a) => a.name === 'x')?.value;
  return { ok: true, x: x?.kind === 'str' ? x.value : undefined };
}

describe('differential: the Python reader refuses what CPython refuses', function () {
  let truth: Record<string, Truth> = {};
  let setupError: string | null = null;
  let tmp = '';

  before(async function () {
    this.timeout(120000);
    try {
      await checkPython();
    } catch (e) {
      setupError = (e as Error).message;
      return;
    }
    tmp = makeTempDir('alembic-lens-refusals-');
    for (const [name, bytes] of Object.entries(CASES)) fs.writeFileSync(path.join(tmp, `${name}.py`), bytes);
    const run = await runPython([path.join(ROOT, 'test', 'alembic', 'compile_cases.py'), tmp], ROOT);
    if (run.code !== 0) setupError = `compile_cases.py failed: ${describeRun(run)}\n${run.stderr}`;
    else truth = JSON.parse(run.stdout) as Record<string, Truth>;
  });

  after(() => {
    if (tmp) removeTempDir(tmp);
  });

  for (const [name, bytes] of Object.entries(CASES)) {
    it(name, function () {
      if (setupError) assert.fail(setupError);
      const python = truth[`${name}.py`];
      assert.ok(python, `CPython's answer for ${name}`);
      const lens = lensDecision(bytes);
      const context = `CPython: ${python.ok ? 'accepts' : `refuses at line ${python.line}: ${python.error}`}; alembic-lens: ${lens.ok ? 'accepts' : `refuses at line ${lens.line}: ${lens.error}`}`;
      assert.strictEqual(lens.ok, python.ok, context);
      if (!python.ok && python.line !== null) assert.strictEqual(lens.line, python.line, context);
      if (python.ok && typeof python.x === 'string') assert.strictEqual(lens.x, python.x, `x: ${context}`);
    });
  }
});
