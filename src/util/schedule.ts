// The one debounce and idle helper of the extension, and the one table of its delays. A service owns a
// Debouncer, schedules keyed tasks on it and answers `whenIdle()` from it; nothing else keeps timers or
// idle waiters of its own. LatestOnly keeps an asynchronous computation overtaken by a newer one from
// publishing its older answer. Plain TypeScript (no `vscode`), so the unit tier tests it.

/** Every debounce and pause of the extension, in ms, with why it is that long. */
export const DELAYS = {
  /** File events of one save or checkout arrive in a burst: applied as one model update. */
  fileEvents: 100,
  /** A config file or workspace folder change: the projects are found again once the burst is over. */
  rediscover: 100,
  /** The full syntax check after a load runs in slices this long... */
  grammarSlice: 30,
  /** ...with this pause between slices, so that the extension host stays responsive. */
  grammarPause: 20,
  /** The lint follows the model update it depends on: short, the work is incremental. */
  lint: 50,
  /** Linting unsaved text waits for a pause in typing. */
  lintTyping: 300,
  /** The first lint of a long history runs in slices this long. */
  lintSlice: 40,
  /** Model files: a checkout touches many; the finder reads env.py's imports once for all of them. */
  models: 250,
  /** The table history of the model lens, after the revisions changed. */
  tableHistory: 150,
  /** The graph panel redraws once per burst of model changes. */
  graph: 100,
  /** .env or the SQLite file changed: read the database once the writes are over. */
  databaseRead: 300,
  /** The base branch comparison runs git: wait until a branch switch or commit has settled. */
  teams: 500,
  /** The drift check on save runs the project's Python: not on every save of a burst. */
  driftOnSave: 1500,
  /** A command typed without shell integration may still be running: the database is read again then. */
  afterBlindCommand: [2000, 5000, 15000],
} as const;

type Task = () => unknown;

/**
 * Keyed debounced tasks: scheduling a key again restarts its timer. `whenIdle()` resolves once no timer
 * is pending and no task (nor a promise given to `track`) is running, including those that tasks
 * scheduled in turn.
 */
export class Debouncer {
  private readonly timers = new Map<unknown, ReturnType<typeof setTimeout>>();
  private running = 0;
  private waiters: Array<() => void> = [];
  private disposed = false;

  /** Runs `task` once `delayMs` passed without another schedule of the same key. */
  schedule(key: unknown, delayMs: number, task: Task): void {
    if (this.disposed) return;
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.run(task);
      }, delayMs),
    );
  }

  /** Schedules `task` unless `key` is already pending (a throttle: the first schedule's delay holds). */
  scheduleOnce(key: unknown, delayMs: number, task: Task): void {
    if (!this.timers.has(key)) this.schedule(key, delayMs, task);
  }

  /** Whether `key` (or, without one, any key) waits for its timer. */
  isPending(key?: unknown): boolean {
    return key === undefined ? this.timers.size > 0 : this.timers.has(key);
  }

  cancel(key: unknown): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.notifyIfIdle();
  }

  /** Counts `work` as running until it settles: `whenIdle()` waits for it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.running++;
    const done = (): void => {
      this.running--;
      this.notifyIfIdle();
    };
    work.then(done, done);
    return work;
  }

  isIdle(): boolean {
    return this.timers.size === 0 && this.running === 0;
  }

  /** Resolves once nothing is pending or running. */
  whenIdle(): Promise<void> {
    if (this.isIdle() || this.disposed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  dispose(): void {
    this.disposed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private run(task: Task): void {
    try {
      const result = task();
      if (result instanceof Promise) {
        this.track(result).catch((err: unknown) => console.error('[alembic-lens] a scheduled task failed:', err));
        return;
      }
    } catch (err) {
      console.error('[alembic-lens] a scheduled task failed:', err);
    }
    this.notifyIfIdle();
  }

  private notifyIfIdle(): void {
    if (!this.isIdle()) return;
    // Waiters resolve on a later tick: a task that schedules another one right after settling keeps them waiting.
    queueMicrotask(() => {
      if (!this.isIdle() && !this.disposed) return;
      for (const resolve of this.waiters.splice(0)) resolve();
    });
  }
}

/**
 * Computations of which only the newest may publish: a run's result is applied only when no run started,
 * and no `invalidate()` came, since it started. An older run that finishes after a newer one (or after the
 * state it read changed) is dropped, so that it never shows as current.
 */
export class LatestOnly {
  private generation = 0;

  /**
   * Runs `compute` (which may stop early once `isCurrent()` is false), then `apply` with its result if it is
   * still the newest; resolves to whether it was applied.
   */
  async run<T>(compute: (isCurrent: () => boolean) => Promise<T>, apply: (result: T) => void): Promise<boolean> {
    const generation = ++this.generation;
    const isCurrent = (): boolean => generation === this.generation;
    const result = await compute(isCurrent);
    if (!isCurrent()) return false;
    apply(result);
    return true;
  }

  /** The run in progress, if any, is out of date: its result will not be applied. */
  invalidate(): void {
    this.generation++;
  }
}
