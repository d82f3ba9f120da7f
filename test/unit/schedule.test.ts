// The shared debounce and idle helper: a key scheduled again runs once, and whenIdle() waits for timers
// not yet fired and for the work they started (an idle answer while a timer is pending would let a test,
// or the teams service, read a stale model).
import * as assert from 'node:assert';
import { DELAYS, Debouncer, LatestOnly } from '../../src/util/schedule';

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Debouncer', () => {
  it('runs a key scheduled several times once, after the last delay', async () => {
    const d = new Debouncer();
    const runs: string[] = [];
    d.schedule('a', 20, () => runs.push('a1'));
    d.schedule('a', 20, () => runs.push('a2'));
    d.schedule('b', 5, () => runs.push('b'));
    await d.whenIdle();
    assert.deepStrictEqual(runs, ['b', 'a2']);
    d.dispose();
  });

  it('whenIdle waits for a pending timer and for the promise its task returned', async () => {
    const d = new Debouncer();
    let finished = false;
    d.schedule('slow', 10, async () => {
      await tick(30);
      finished = true;
    });
    assert.strictEqual(d.isIdle(), false);
    await d.whenIdle();
    assert.strictEqual(finished, true);
    assert.strictEqual(d.isIdle(), true);
    d.dispose();
  });

  it('whenIdle also waits for a task that a finishing task scheduled', async () => {
    const d = new Debouncer();
    const runs: number[] = [];
    d.schedule('first', 5, () => {
      runs.push(1);
      d.schedule('second', 15, () => runs.push(2));
    });
    await d.whenIdle();
    assert.deepStrictEqual(runs, [1, 2]);
    d.dispose();
  });

  it('tracks promises given to it; scheduleOnce keeps the first delay; cancel and dispose release waiters', async () => {
    const d = new Debouncer();
    let resolveWork: () => void = () => undefined;
    const work = d.track(new Promise<void>((resolve) => (resolveWork = resolve)));
    let idle = false;
    const waiting = d.whenIdle().then(() => (idle = true));
    await tick(5);
    assert.strictEqual(idle, false, 'not idle while tracked work runs');
    resolveWork();
    await work;
    await waiting;
    assert.strictEqual(idle, true);

    const runs: string[] = [];
    d.scheduleOnce('k', 5, () => runs.push('first'));
    d.scheduleOnce('k', 1000, () => runs.push('second'));
    await d.whenIdle();
    assert.deepStrictEqual(runs, ['first']);

    d.schedule('never', 1000, () => runs.push('never'));
    assert.ok(d.isPending('never'));
    d.cancel('never');
    await d.whenIdle();
    d.schedule('later', 1000, () => runs.push('later'));
    const released = d.whenIdle();
    d.dispose();
    await released;
    assert.deepStrictEqual(runs, ['first']);
  });

  it('a failing task is logged and leaves the helper usable', async () => {
    const d = new Debouncer();
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      d.schedule('throws', 1, () => {
        throw new Error('boom');
      });
      d.schedule('rejects', 1, () => Promise.reject(new Error('bang')));
      await d.whenIdle();
    } finally {
      console.error = original;
    }
    assert.strictEqual(errors.length, 2);
    let ran = false;
    d.schedule('after', 1, () => (ran = true));
    await d.whenIdle();
    assert.ok(ran);
    d.dispose();
  });

  it('the delay table holds numbers only where a debounce is meant', () => {
    for (const [name, value] of Object.entries(DELAYS)) {
      const values: readonly number[] = typeof value === 'number' ? [value] : value;
      for (const ms of values) assert.ok(Number.isInteger(ms) && ms >= 0, `${name}: ${ms}`);
    }
  });
});

describe('LatestOnly', () => {
  /** A computation that resolves to `value` after `ms`, noting whether it was still current then. */
  const slow =
    (value: string, ms: number, current: string[]) =>
    async (isCurrent: () => boolean): Promise<string> => {
      await tick(ms);
      if (isCurrent()) current.push(value);
      return value;
    };

  it('an older run that finishes after a newer one is dropped; the newer one publishes', async () => {
    const latest = new LatestOnly();
    const published: string[] = [];
    const current: string[] = [];
    const older = latest.run(slow('older', 40, current), (v) => published.push(v));
    await tick(5);
    const newer = latest.run(slow('newer', 5, current), (v) => published.push(v));
    assert.deepStrictEqual(await Promise.all([older, newer]), [false, true]);
    assert.deepStrictEqual(published, ['newer']);
    assert.deepStrictEqual(current, ['newer'], 'the older run could see it was overtaken');
  });

  it('an older run that finishes first is dropped too: it never shows while a newer one runs', async () => {
    const latest = new LatestOnly();
    const published: string[] = [];
    const older = latest.run(slow('older', 5, []), (v) => published.push(v));
    const newer = latest.run(slow('newer', 30, []), (v) => published.push(v));
    assert.strictEqual(await older, false);
    assert.deepStrictEqual(published, []);
    assert.strictEqual(await newer, true);
    assert.deepStrictEqual(published, ['newer']);
  });

  it('invalidate() drops the run in progress; the next run publishes again', async () => {
    const latest = new LatestOnly();
    const published: string[] = [];
    const running = latest.run(slow('before the change', 10, []), (v) => published.push(v));
    latest.invalidate();
    assert.strictEqual(await running, false);
    assert.strictEqual(await latest.run(slow('after', 1, []), (v) => published.push(v)), true);
    assert.deepStrictEqual(published, ['after']);
  });
});
