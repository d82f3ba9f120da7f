import * as assert from 'node:assert';
import { parseDotenv } from '../../src/core/dotenv';

describe('parseDotenv', () => {
  it('reads KEY=value, export, comments and blank lines', () => {
    const text = ['# a comment', '', 'A=1', 'export B=two', '  C = spaced  ', 'D=', 'E', '#F=commented'].join('\n');
    assert.deepStrictEqual(parseDotenv(text), { A: '1', B: 'two', C: 'spaced', D: '' });
  });

  it('drops a comment after an unquoted value only when a blank precedes #', () => {
    assert.deepStrictEqual(parseDotenv('A=x # note\nB=x#not-a-note\nC=postgresql://u:p#w@h/db'), {
      A: 'x',
      B: 'x#not-a-note',
      C: 'postgresql://u:p#w@h/db',
    });
  });

  it("reads single quotes literally (but for \\' and \\\\) and double quotes with escapes", () => {
    const text = [
      `A='it\\'s # not a comment'`,
      `B="line\\nbreak \\"quoted\\" \\\\ tab\\t"`,
      `C='raw \\n'`,
      `D="x" # comment`,
    ].join('\n');
    assert.deepStrictEqual(parseDotenv(text), {
      A: "it's # not a comment",
      B: 'line\nbreak "quoted" \\ tab\t',
      C: 'raw \\n',
      D: 'x',
    });
  });

  it('reads quoted values over several lines', () => {
    assert.deepStrictEqual(parseDotenv('A="one\ntwo"\nB=3'), { A: 'one\ntwo', B: '3' });
  });

  it('skips lines it cannot read and goes on', () => {
    assert.deepStrictEqual(parseDotenv('A="x" junk\nB=ok\n="no key"\nC="unterminated\nD=4'), { B: 'ok', D: '4' });
  });

  it('expands ${VAR} and ${VAR:-default} from earlier lines and the environment', () => {
    const text = [
      'USER_=app',
      'PASS=s3cret',
      'URL=postgresql://${USER_}:${PASS}@${HOST:-localhost}/${DB}',
      `Q='\${USER_}'`,
      'E=',
      'F=${E:-dflt}',
      'G=$USER_',
    ].join('\n');
    assert.deepStrictEqual(parseDotenv(text, { env: { DB: 'appdb' } }), {
      USER_: 'app',
      PASS: 's3cret',
      URL: 'postgresql://app:s3cret@localhost/appdb',
      Q: 'app',
      E: '',
      F: '',
      G: '$USER_',
    });
  });

  it('lets the environment win over the file with override: false (load_dotenv)', () => {
    const text = 'A=file\nB=${A}';
    assert.strictEqual(parseDotenv(text, { env: { A: 'env' } }).B, 'file');
    assert.strictEqual(parseDotenv(text, { env: { A: 'env' }, override: false }).B, 'env');
  });

  it('reads Windows line endings and a BOM', () => {
    assert.deepStrictEqual(parseDotenv('\ufeffA=1\r\nB="2"\r\nC=3 # c\r\n'), { A: '1', B: '2', C: '3' });
  });
});
