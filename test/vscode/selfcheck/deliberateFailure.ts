// Loaded only when ALEMBIC_LENS_SELFCHECK=fail (see ../index.ts): proves that a failing test inside the
// extension host is reported as a failure by the harness (non-zero exit, failed > 0 in the result file).
// The file name does not end in .test.js, so the normal suite never picks it up.
import * as assert from 'node:assert';

describe('harness self-check', () => {
  it('a trivial test passes', () => {
    assert.strictEqual(1 + 1, 2);
  });
  it('a deliberately failing test fails', () => {
    assert.strictEqual(1 + 1, 3, 'deliberate failure (ALEMBIC_LENS_SELFCHECK=fail)');
  });
});
