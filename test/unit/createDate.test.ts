import * as assert from 'node:assert';
import { shortDate } from '../../src/core/createDate';

describe('createDate: a revision header date as shown', () => {
  it('drops seconds and microseconds, keeps anything else as written', () => {
    assert.strictEqual(shortDate('2026-11-25 19:00:48.065132'), '2026-11-25 19:00');
    assert.strictEqual(shortDate('2026-11-25T19:00:48+00:00'), '2026-11-25 19:00');
    assert.strictEqual(shortDate('yesterday'), 'yesterday');
    assert.strictEqual(shortDate(undefined), '');
  });
});
