// The revision graph with Alembic's semantics (alembic/script/revision.py, RevisionMap): heads and
// effective heads, bases, branch and merge points, branch label propagation, depends_on, identifier
// resolution, ranges and history order. Where Alembic raises on a broken history, this records a
// problem and keeps going, so that everything else can still be shown.
import { type Problem, problem } from './problems';
import type { RevisionSource } from './revisionFile';

export type RevisionErrorKind = 'revision' | 'resolution' | 'multiple-heads' | 'range-not-ancestor' | 'bookkeeping';

/** A failed lookup or range, with the same message Alembic's command line prints after `FAILED:`. */
export class RevisionError extends Error {
  constructor(
    message: string,
    readonly kind: RevisionErrorKind = 'revision',
    readonly argument?: string,
    readonly heads?: string[],
    readonly range?: { lower: string; upper: string },
  ) {
    super(message);
  }
}

function resolutionError(message: string, argument: string): RevisionError {
  return new RevisionError(message, 'resolution', argument);
}

function multipleHeads(heads: string[], argument: string | undefined): RevisionError {
  return new RevisionError(
    `Multiple heads are present for given argument '${argument}'; ${heads.join(', ')}`,
    'multiple-heads',
    argument,
    heads,
  );
}

/** Shared by every revision without branch labels or dependencies: most histories have none. */
const NO_LABELS = new Set<string>();
const NO_IDS: readonly string[] = Object.freeze([]);
const NO_REVISIONS: readonly Revision[] = Object.freeze([]);

export class Revision {
  /** down_revision edges: the revisions this one names, and those that name it... */
  parents: readonly Revision[] = NO_REVISIONS;
  children: readonly Revision[] = NO_REVISIONS;
  /**
   * ...and with depends_on included: the same arrays as the two above until a depends_on edge
   * makes them differ (see RevisionMap.link), so a history without depends_on allocates no copies.
   */
  allParents: readonly Revision[] = this.parents;
  allChildren: readonly Revision[] = this.children;
  /** The ids of children and allChildren, made on first use (once the graph is linked). */
  private nextIds: string[] | undefined = undefined;
  private allNextIds: string[] | undefined = undefined;
  /** depends_on resolved to revision ids (branch labels replaced by the labelled revision). */
  resolvedDependencies: readonly string[] = NO_IDS;
  /** resolvedDependencies minus those an ancestor already depends on. */
  normalizedDependencies: readonly string[] = NO_IDS;
  /**
   * Branch labels after propagation along the branch. Revisions with the same labels share one set,
   * so a set is never changed once assigned: RevisionMap replaces it instead. (Typed as a Set for
   * the callers that declare it so; treat it as read-only.)
   */
  branchLabels: Set<string>;
  /** Position in load order. */
  index = 0;

  /** Replaced in place when an edit leaves the graph's shape alone. */
  constructor(public source: RevisionSource) {
    this.branchLabels = source.branchLabels.length ? new Set(source.branchLabels) : NO_LABELS;
  }

  get id(): string {
    return this.source.revision;
  }
  /** Alembic's `_versioned_down_revisions`. */
  get down(): string[] {
    return this.source.downRevisions;
  }
  get dependencies(): string[] {
    return this.source.dependsOn;
  }
  /** Ids of revisions whose down_revision names this one. */
  get nextrev(): string[] {
    return (this.nextIds ??= this.children.map((child) => child.id));
  }
  /** Same, plus revisions that depend on this one through depends_on. */
  get allNextrev(): string[] {
    if (this.allChildren === this.children) return this.nextrev;
    return (this.allNextIds ??= this.allChildren.map((child) => child.id));
  }
  get isHead(): boolean {
    return this.children.length === 0;
  }
  get isRealHead(): boolean {
    return this.allChildren.length === 0;
  }
  get isBase(): boolean {
    return this.down.length === 0;
  }
  get isRealBase(): boolean {
    return this.down.length === 0 && this.dependencies.length === 0 && !this.source.emptyDependsOn;
  }
  get isBranchPoint(): boolean {
    return this.children.length > 1;
  }
  get isRealBranchPoint(): boolean {
    return this.allChildren.length > 1;
  }
  get isMergePoint(): boolean {
    return this.down.length > 1;
  }
  /** Alembic's `_all_down_revisions`. */
  get allDown(): string[] {
    // Deduplicated, as Alembic's dedupe_tuple: `down_revision = ('a1', 'a1')` is one parent.
    return dedupe(this.resolvedDependencies.length ? [...this.down, ...this.resolvedDependencies] : this.down);
  }
  /** Alembic's `_normalized_down_revisions`. */
  get normalizedDown(): string[] {
    return dedupe(this.normalizedDependencies.length ? [...this.down, ...this.normalizedDependencies] : this.down);
  }
}

/** One identifier, several (a version table's rows), or null for base: Alembic's `util.to_tuple`. */
export type Identifiers = string | readonly string[] | null;

/**
 * `list` with `item` at its end. Most revisions have one parent and one child: a one-item array
 * takes a tenth of the memory of an empty one grown by push.
 */
function appended(list: readonly Revision[], item: Revision): readonly Revision[] {
  if (!list.length) return [item];
  (list as Revision[]).push(item);
  return list;
}

function toTuple(ids: Identifiers): string[] {
  return ids === null ? [] : typeof ids === 'string' ? [ids] : [...ids];
}

function dedupe(values: string[]): string[] {
  if (values.length < 2 || (values.length === 2 && values[0] !== values[1])) return values;
  const unique = [...new Set(values)];
  return unique.length === values.length ? values : unique;
}

/** `set` followed by the labels it lacks, in their order: a new set, or `set` itself when it lacks none. */
function withLabels(set: Set<string>, labels: ReadonlySet<string>): Set<string> {
  if (set === labels || !labels.size) return set;
  let out: Set<string> | undefined;
  for (const label of labels) if (!set.has(label)) (out ??= new Set(set)).add(label);
  return out ?? set;
}

/** Adds `labels` to each revision without changing a set another revision may share. */
function addLabels(revisions: Iterable<Revision>, labels: ReadonlySet<string>): void {
  const replaced = new Map<Set<string>, Set<string>>();
  for (const rev of revisions) {
    let next = replaced.get(rev.branchLabels);
    if (!next) replaced.set(rev.branchLabels, (next = withLabels(rev.branchLabels, labels)));
    rev.branchLabels = next;
  }
}

type Edges = (rev: Revision) => readonly string[];
const versionedDown: Edges = (r) => r.down;
const normalizedDown: Edges = (r) => r.normalizedDown;
const allDown: Edges = (r) => r.allDown;
const nextrev: Edges = (r) => r.nextrev;
const allNextrev: Edges = (r) => r.allNextrev;

export class RevisionMap {
  /** Revisions by id, in load order (the first position of an id wins, the last file wins). */
  readonly revisions = new Map<string, Revision>();
  /** Branch label -> the revision that declares it. */
  readonly labels = new Map<string, Revision>();
  /** Alembic's `heads`: revisions no down_revision names (what `alembic heads` prints). */
  readonly heads: string[] = [];
  /** Alembic's `_real_heads`: also not depended on (what `heads` as an identifier resolves to). */
  readonly realHeads: string[] = [];
  readonly bases: string[] = [];
  readonly realBases: string[] = [];
  readonly problems: Problem[] = [];
  /** Revisions Alembic would refuse to load because they sit in or behind a cycle. */
  readonly inCycle = new Set<string>();
  /** Parents before children (down_revision); revisions in cycles are missing from it. */
  private parentsFirst: Revision[] = [];
  /** The revisions in load order, as `revisions.values()`: the passes below walk this array. */
  private all: Revision[] = [];

  // The passes over every revision below use index loops: they run once per process on up to 100,000
  // revisions, mostly before V8 optimizes them, and an unoptimized for-of allocates per step.
  constructor(sources: readonly RevisionSource[]) {
    for (let i = 0; i < sources.length; i++) {
      const source = sources[i];
      const previous = this.revisions.get(source.revision);
      if (previous) {
        const message = `Revision ${source.revision} is present more than once (also in ${previous.source.path}); Alembic keeps only the one it loads last.`;
        this.problems.push(problem('error', 'duplicate-revision', message, source.path, source.revisionLine));
        this.problems.push(
          problem(
            'error',
            'duplicate-revision',
            `Revision ${source.revision} is present more than once (also in ${source.path}).`,
            previous.source.path,
            previous.source.revisionLine,
          ),
        );
      }
      this.revisions.set(source.revision, new Revision(source));
    }
    this.all = [...this.revisions.values()];
    const all = this.all;
    // The few revisions with branch labels or depends_on, found in the pass that numbers them all.
    const labelled: Revision[] = [];
    const dependers: Revision[] = [];
    for (let i = 0; i < all.length; i++) {
      const rev = all[i];
      rev.index = i;
      if (rev.source.branchLabels.length) labelled.push(rev);
      if (rev.source.dependsOn.length) dependers.push(rev);
    }
    this.mapBranchLabels(labelled);
    this.resolveDependencies(dependers);
    this.linkRevisions();
    this.parentsFirst = this.topologicalOrder(false);
    // A base with depends_on = '' is no real base: what only it reaches is a dependency cycle for Alembic.
    let unrealBase = false;
    for (let i = 0; i < all.length; i++) {
      const rev = all[i];
      if (rev.isHead) this.heads.push(rev.id);
      if (rev.isRealHead) this.realHeads.push(rev.id);
      if (rev.isBase) this.bases.push(rev.id);
      if (rev.isRealBase) this.realBases.push(rev.id);
      else if (rev.isBase && rev.source.emptyDependsOn) unrealBase = true;
    }
    this.detectCycles(
      dependers.some((r) => r.resolvedDependencies.length),
      unrealBase,
    );
    this.propagateBranchLabels(labelled);
  }

  get size(): number {
    return this.revisions.size;
  }

  get(id: string): Revision | undefined {
    return this.revisions.get(id);
  }

  /** Looks a name up the way Alembic's internal map does: revision ids, then branch labels. */
  private lookup(name: string): Revision | undefined {
    return this.revisions.get(name) ?? this.labels.get(name);
  }

  private mapBranchLabels(labelled: Revision[]): void {
    for (const rev of labelled) {
      for (const label of rev.source.branchLabels) {
        const owner = this.lookup(label);
        if (owner) {
          const what = owner.id === label ? 'is the id of revision' : 'is already used by revision';
          const message = `Branch name '${label}' in revision ${rev.id} ${what} ${owner.id}: Alembic refuses to load the history.`;
          this.problems.push(
            problem(
              'error',
              'duplicate-branch-label',
              message,
              rev.source.path,
              rev.source.branchLabelsLine ?? rev.source.revisionLine,
            ),
          );
          continue;
        }
        this.labels.set(label, rev);
      }
    }
  }

  private resolveDependencies(dependers: Revision[]): void {
    for (const rev of dependers) {
      const resolved: string[] = [];
      for (const dep of rev.dependencies) {
        const target = this.lookup(dep);
        if (target) resolved.push(target.id);
        else {
          const message = `depends_on names '${dep}', which is neither a revision nor a branch label in this project.`;
          this.problems.push(
            problem(
              'error',
              'missing-revision',
              message,
              rev.source.path,
              rev.source.dependsOnLine ?? rev.source.revisionLine,
            ),
          );
        }
      }
      rev.resolvedDependencies = resolved;
    }
  }

  private linkRevisions(): void {
    for (let i = 0; i < this.all.length; i++) {
      const rev = this.all[i];
      const versionedDown = rev.down;
      if (versionedDown.length === 1 && !rev.resolvedDependencies.length) {
        // The common case, without the lists below: one parent, by id (a down_revision edge) or label.
        const id = versionedDown[0];
        const byId = this.revisions.get(id);
        const down = byId ?? this.labels.get(id);
        if (down) this.link(down, rev, byId !== undefined);
        else this.reportMissingParent(rev, id);
        continue;
      }
      const allDown = rev.allDown;
      // A set: a merge of thousands of parents (a hostile file) must not cost their square.
      const versioned = new Set(versionedDown);
      for (let j = 0; j < allDown.length; j++) {
        const downId = allDown[j];
        const down = this.lookup(downId);
        if (down) this.link(down, rev, versioned.has(down.id));
        else if (versioned.has(downId)) this.reportMissingParent(rev, downId);
      }
    }
  }

  private reportMissingParent(rev: Revision, downId: string): void {
    const message = `down_revision names '${downId}', which is not a revision in this project (Alembic: "Revision ${downId} referenced from ${rev.id} is not present").`;
    this.problems.push(problem('error', 'missing-revision', message, rev.source.path, rev.source.downRevisionLine));
  }

  /**
   * Adds the edge to the all* lists (down_revision or depends_on) and, for a down_revision, to the
   * versioned lists. Those share their arrays until an edge belongs to only one of them.
   */
  private link(down: Revision, rev: Revision, versioned: boolean): void {
    const toAll = !down.allChildren.includes(rev);
    const toVersioned = versioned && !down.children.includes(rev);
    if (toAll !== toVersioned) {
      if (down.allChildren === down.children) down.allChildren = [...down.children];
      if (rev.allParents === rev.parents) rev.allParents = [...rev.parents];
    }
    if (toVersioned) {
      const sharedChildren = down.allChildren === down.children;
      down.children = appended(down.children, rev);
      if (sharedChildren) down.allChildren = down.children;
      const sharedParents = rev.allParents === rev.parents;
      rev.parents = appended(rev.parents, down);
      if (sharedParents) rev.allParents = rev.parents;
    }
    if (!toAll) return;
    if (down.allChildren !== down.children) down.allChildren = appended(down.allChildren, rev);
    if (rev.allParents !== rev.parents) rev.allParents = appended(rev.allParents, down);
  }

  /**
   * Alembic's `_normalize_depends_on`: drop the dependencies an ancestor (by down_revision) already
   * declares. The dependencies declared above each revision are carried down in one pass, parents
   * first, sharing the parent's set when nothing is added, so this stays linear on long histories.
   */
  /** normalizedDependencies are computed on first use: `heads` and the tree never need them. */
  private normalized = false;

  private ensureNormalized(): void {
    if (this.normalized) return;
    this.normalized = true;
    this.normalizeDependencies();
  }

  private normalizeDependencies(): void {
    const dependers = this.all.filter((r) => r.resolvedDependencies.length);
    if (!dependers.length) return;
    const above = new Map<Revision, ReadonlySet<string>>();
    const empty: ReadonlySet<string> = new Set();
    const declaredAbove = (rev: Revision): ReadonlySet<string> => {
      let union: Set<string> | undefined;
      let shared: ReadonlySet<string> = empty;
      for (const parent of rev.parents) {
        const inherited = above.get(parent) ?? empty;
        const own = parent.resolvedDependencies;
        if (!own.length && (shared === empty || shared === inherited) && !union) {
          shared = inherited;
          continue;
        }
        union ??= new Set(shared);
        for (const dep of inherited) union.add(dep);
        for (const dep of own) union.add(dep);
      }
      return union ?? shared;
    };
    for (const rev of this.parentsFirst) above.set(rev, declaredAbove(rev));
    for (const rev of dependers) {
      const inherited = above.get(rev);
      rev.normalizedDependencies = inherited
        ? rev.resolvedDependencies.filter((dep) => !inherited.has(dep))
        : rev.resolvedDependencies;
    }
  }

  /** Kahn's algorithm: every revision after its parents; revisions in cycles are left out. */
  private topologicalOrder(withDependencies: boolean): Revision[] {
    const all = this.all;
    const waiting = new Int32Array(all.length);
    const ready: Revision[] = [];
    for (let i = 0; i < all.length; i++) {
      const count = (withDependencies ? all[i].allParents : all[i].parents).length;
      waiting[i] = count;
      if (!count) ready.push(all[i]);
    }
    const out: Revision[] = [];
    while (ready.length) {
      const rev = ready.pop()!;
      out.push(rev);
      const children = withDependencies ? rev.allChildren : rev.children;
      for (let i = 0; i < children.length; i++) if (--waiting[children[i].index] === 0) ready.push(children[i]);
    }
    return out;
  }

  /**
   * Alembic refuses a history with a cycle. The revisions it would name are those not both below a
   * head and above a base; report each once, with the members of its cycle.
   */
  private detectCycles(hasDependencies: boolean, unrealBase: boolean): void {
    // An order with every revision in it proves there is no cycle (the common case, and a cheap one).
    const acyclic = this.parentsFirst.length === this.revisions.size;
    const acyclicWithDependencies = (): boolean =>
      this.dependenciesFollowOrder() || this.topologicalOrder(true).length === this.revisions.size;
    if (acyclic && !unrealBase && (!hasDependencies || acyclicWithDependencies())) return;
    const check = (heads: string[], down: Edges, up: Edges, kind: string): void => {
      // A revision whose parents are all missing counts as a base here: that problem is reported already.
      const roots = this.all.filter(
        (r) => down(r).every((id) => !this.lookup(id)) && !(down === allDown && r.source.emptyDependsOn),
      );
      const fromHeads = this.reach(this.pick(heads), down);
      const fromBases = this.reach(roots, up);
      const outside = this.all.filter((r) => !(fromHeads.has(r) && fromBases.has(r)) && !this.inCycle.has(r.id));
      if (!outside.length) return;
      const ids = outside.map((r) => r.id).sort();
      for (const rev of outside) {
        this.inCycle.add(rev.id);
        const message = `${kind} is detected in revisions (${ids.join(', ')}): Alembic refuses to load the history until it is broken.`;
        this.problems.push(problem('error', 'cycle', message, rev.source.path, rev.source.downRevisionLine));
      }
    };
    check(this.heads, versionedDown, nextrev, 'Cycle');
    check(this.realHeads, allDown, allNextrev, 'Dependency cycle');
  }

  /**
   * Whether every depends_on edge goes from a revision to one after it in parentsFirst: that order
   * then sorts the whole graph too, which proves it acyclic without a second sort. (False only
   * means this quick proof does not hold.)
   */
  private dependenciesFollowOrder(): boolean {
    const position = new Int32Array(this.all.length);
    for (let i = 0; i < this.parentsFirst.length; i++) position[this.parentsFirst[i].index] = i;
    for (let i = 0; i < this.all.length; i++) {
      const rev = this.all[i];
      const dependencies = rev.resolvedDependencies;
      for (let j = 0; j < dependencies.length; j++) {
        const dependency = this.revisions.get(dependencies[j]);
        if (dependency && position[dependency.index] >= position[rev.index]) return false;
      }
    }
    return true;
  }

  /**
   * Branch labels spread to every descendant, and down the ancestors while the line has no branch or
   * merge point. Alembic starts that downward walk from the last node of its descendant walk, which
   * gives this: ancestors are labelled only when the labelled revision's descendants form one line.
   */
  private propagateBranchLabels(labelled: Revision[]): void {
    if (!labelled.length) return;
    if (this.parentsFirst.length === this.revisions.size) {
      // Parents come first, so each revision takes its parents' final labels in one pass; a revision
      // that adds nothing to its parent's labels shares the parent's set.
      const order = this.parentsFirst;
      for (let i = 0; i < order.length; i++) {
        const rev = order[i];
        let labels = rev.branchLabels;
        for (let j = 0; j < rev.parents.length; j++) {
          const parentLabels = rev.parents[j].branchLabels;
          labels = labels.size ? withLabels(labels, parentLabels) : parentLabels;
        }
        rev.branchLabels = labels;
      }
    } else {
      for (const rev of labelled) addLabels(this.reach([rev], nextrev), rev.branchLabels);
    }
    for (const rev of labelled) this.labelAncestorsOfLine(rev);
  }

  /**
   * Alembic also walks down from the last descendant it labelled, while the line has no branch or
   * merge point: ancestors get the labels only when the labelled revision's descendants form one line.
   */
  private labelAncestorsOfLine(rev: Revision): void {
    let tip = rev;
    let steps = 0;
    while (tip.children.length === 1 && steps++ < this.revisions.size) {
      if (tip.isRealBranchPoint || tip.isMergePoint) return;
      tip = tip.children[0];
    }
    if (
      tip.children.length > 0 ||
      tip.isRealBranchPoint ||
      tip.isMergePoint ||
      rev.isRealBranchPoint ||
      rev.isMergePoint
    )
      return;
    const seen = new Set<Revision>([rev]);
    for (
      let parent = rev.down.length ? this.lookup(rev.down[0]) : undefined;
      parent && !parent.isRealBranchPoint && !parent.isMergePoint && !seen.has(parent);
    ) {
      seen.add(parent);
      parent = parent.down.length ? this.lookup(parent.down[0]) : undefined;
    }
    seen.delete(rev);
    addLabels(seen, rev.branchLabels);
  }

  /** Every revision reachable from `starts` along `edges`, starts included. */
  private reach(starts: Revision[], edges: Edges): Set<Revision> {
    const seen = new Set<Revision>(starts);
    const todo = [...starts];
    while (todo.length) {
      for (const id of edges(todo.pop()!)) {
        const next = this.lookup(id);
        if (next && !seen.has(next)) {
          seen.add(next);
          todo.push(next);
        }
      }
    }
    return seen;
  }

  private pick(ids: readonly string[]): Revision[] {
    const out: Revision[] = [];
    for (const id of ids) {
      const rev = this.lookup(id);
      if (rev) out.push(rev);
    }
    return out;
  }

  /** Alembic's `_iterate_related_revisions`: depth-first from each target, each revision once. */
  *related(edges: Edges, targets: Iterable<Revision>, check = false): Generator<Revision> {
    this.ensureNormalized();
    const seen = new Set<Revision>();
    const targetSet = check ? new Set(targets) : undefined;
    for (const target of targets) {
      const todo: Revision[] = [target];
      const perTarget = check ? new Set<Revision>() : undefined;
      while (todo.length) {
        const rev = todo.pop()!;
        perTarget?.add(rev);
        if (seen.has(rev)) continue;
        seen.add(rev);
        for (const id of edges(rev)) {
          const next = this.lookup(id);
          if (next) todo.push(next);
        }
        yield rev;
      }
      if (perTarget && targetSet) {
        const overlaps = [...perTarget].filter((r) => targetSet.has(r) && r !== target);
        if (overlaps.length) {
          throw new RevisionError(
            `Requested revision ${target.id} overlaps with other requested revisions ${overlaps.map((r) => r.id).join(', ')}`,
          );
        }
      }
    }
  }

  descendants(targets: Iterable<Revision>, includeDependencies = true): Revision[] {
    return [...this.related(includeDependencies ? allNextrev : nextrev, targets)];
  }

  ancestors(targets: Iterable<Revision>, includeDependencies = true): Revision[] {
    return [...this.related(includeDependencies ? normalizedDown : versionedDown, targets)];
  }

  // ---------------------------------------------------------------- identifier resolution

  /** The single head (of `branch` when given); throws when there are several. */
  currentHead(branch?: string): string | undefined {
    let heads: string[] = this.heads;
    if (branch) heads = this.filterForLineage(heads, branch);
    if (heads.length > 1) throw multipleHeads(heads, branch ? `${branch}@head` : 'head');
    return heads[0];
  }

  /** Alembic's `_resolve_revision_number`: symbolic names to ids, plus the branch label part. */
  resolveNumber(id: string | null): { ids: string[]; branch?: string } {
    let branch: string | undefined;
    let name = id;
    if (name?.includes('@')) {
      const at = name.indexOf('@');
      branch = name.slice(0, at);
      name = name.slice(at + 1);
    }
    if (name === 'heads')
      return { ids: branch ? this.filterForLineage(this.heads, branch) : [...this.realHeads], branch };
    if (name === 'head') {
      const head = this.currentHead(branch);
      return { ids: head ? [head] : [], branch };
    }
    if (name === 'base' || name === null) return { ids: [], branch };
    return { ids: [name], branch };
  }

  /** Alembic's `get_revisions`: one identifier (or several) to revisions; null stands for base. */
  getRevisions(id: string | null | readonly (string | null)[]): (Revision | null)[] {
    return this.getRevisionsOrBase(id).map((rev) => (rev === 'base' ? null : rev));
  }

  /** The same, with Alembic's "base" where `-n` lands exactly on base (None is a walk past it). */
  private getRevisionsOrBase(id: string | null | readonly (string | null)[]): (Revision | null | 'base')[] {
    if (Array.isArray(id)) return (id as (string | null)[]).flatMap((one) => this.getRevisionsOrBase(one));
    const { ids, branch } = this.resolveNumber(id as string | null);
    if (ids.length === 1 && /^\s*[-+]?\d+\s*$/.test(ids[0]) && parseInt(ids[0], 10) < 0) {
      // `branch@-n`: walk down from the heads of the branch.
      let heads = this.getRevisions('heads') as Revision[];
      if (branch !== undefined) heads = heads.filter((h) => h.branchLabels.has(branch));
      return heads.map((h) => this.walk(h, parseInt(ids[0], 10)) ?? null);
    }
    return ids.map((one) => this.revisionForIdent(one, branch));
  }

  /** Alembic's `get_revision`: exactly one revision, or null for base. */
  getRevision(id: string | null): Revision | null {
    const { ids, branch } = this.resolveNumber(id);
    if (ids.length > 1) throw multipleHeads(ids, id ?? undefined);
    return ids.length ? this.revisionForIdent(ids[0], branch) : null;
  }

  /** Alembic's `_resolve_branch`: a branch label, or a revision id used as one. */
  resolveBranch(label: string): Revision {
    const labelled = this.lookup(label);
    if (labelled) return labelled;
    try {
      return this.revisionForIdent(label)!;
    } catch (err) {
      if (err instanceof RevisionError && err.kind === 'resolution')
        throw resolutionError(`No such branch: '${label}'`, label);
      throw err;
    }
  }

  private revisionForIdent(id: string, branch?: string): Revision {
    const branchRev = branch ? this.resolveBranch(branch) : undefined;
    let rev = this.lookup(id);
    if (!rev) {
      let matches = [...this.revisions.keys(), ...this.labels.keys()].filter(
        (key) => key.length > 3 && key.startsWith(id),
      );
      if (branchRev) matches = this.filterForLineage(matches, branch!);
      if (!matches.length) {
        const hint =
          id.length < 4
            ? '; please ensure at least four characters are present for partial revision identifier matches'
            : '';
        throw resolutionError(`No such revision or branch '${id}'${hint}`, id);
      }
      if (matches.length > 1) {
        throw resolutionError(
          `Multiple revisions start with '${id}': ${matches
            .slice(0, 3)
            .map((m) => `'${m}'`)
            .join(', ')}...`,
          id,
        );
      }
      rev = this.lookup(matches[0])!;
    }
    if (branchRev && !this.sharesLineage(rev, [branchRev])) {
      throw resolutionError(`Revision ${rev.id} is not a member of branch '${branch}'`, id);
    }
    return rev;
  }

  /** Keeps the targets on the same line of history as `against` (an identifier, possibly `label@x`). */
  filterForLineage<T extends string | Revision>(
    targets: readonly T[],
    against: string,
    includeDependencies = false,
  ): T[] {
    const { ids, branch } = this.resolveNumber(against);
    const shares = [...(branch ? [branch] : []), ...ids];
    return targets.filter((t) => this.sharesLineage(t, shares, includeDependencies));
  }

  private sharesLineage(
    target: string | Revision,
    against: readonly (string | Revision)[],
    includeDependencies = false,
  ): boolean {
    if (!against.length) return true;
    const resolved = typeof target === 'string' ? this.revisionForIdent(target) : target;
    const others = new Set(against.map((a) => (typeof a === 'string' ? this.revisionForIdent(a) : a)));
    for (const rev of this.related(includeDependencies ? allNextrev : nextrev, [resolved]))
      if (others.has(rev)) return true;
    for (const rev of this.related(includeDependencies ? normalizedDown : versionedDown, [resolved]))
      if (others.has(rev)) return true;
    return false;
  }

  /**
   * Alembic's `_walk`: `steps` up (positive) or down (negative) from `start` (null = base).
   * Returns undefined when the walk goes past the ends, 'base' when it lands on base.
   */
  walk(
    start: Revision | null | string,
    steps: number,
    branch?: string,
    noOverwalk = true,
  ): Revision | null | 'base' | undefined {
    let current: Revision | null | 'base' = typeof start === 'string' ? this.getRevision(start) : start;
    for (let i = 0; i < Math.abs(steps); i++) {
      let children: (Revision | null | 'base')[];
      if (steps > 0) {
        const up = this.getRevisions(current === null ? this.bases : (current as Revision).nextrev) as Revision[];
        children = branch ? this.filterForLineage(up, branch) : up;
      } else if (current === 'base') {
        children = [];
      } else {
        children = this.getRevisions(current === null ? this.heads : current.down);
        if (!children.length) children = ['base'];
      }
      if (!children.length) return noOverwalk ? undefined : current;
      if (children.length > 1) throw new RevisionError('Ambiguous walk');
      current = children[0];
    }
    return current;
  }

  // ---------------------------------------------------------------- ranges and order

  /** Alembic's `iterate_revisions` in upgrade direction: revisions between lower and upper, newest first. */
  iterateRevisions(
    upper: string | null,
    lower: Identifiers,
    options: { inclusive?: boolean; implicitBase?: boolean; assertRelativeLength?: boolean } = {},
  ): Revision[] {
    const { needs, targets } = this.collectUpgradeRevisions(
      upper,
      lower,
      options.inclusive ?? false,
      options.implicitBase ?? false,
      options.assertRelativeLength ?? true,
    );
    return this.topologicalSort(needs, targets).map((id) => this.revisions.get(id)!);
  }

  /** Alembic's `walk_revisions`, which `history` prints: errors carry the command's wording. */
  walkRevisions(base = 'base', head = 'heads'): Revision[] {
    return this.iterateRevisions(head, base, { inclusive: true, assertRelativeLength: false });
  }

  private static readonly RELATIVE = /^(?:(.+?)@)?(\w+)?((?:\+|-)\d+)/;

  private parseUpgradeTarget(
    current: Identifiers,
    target: string | null,
    assertRelativeLength: boolean,
  ): (Revision | null)[] {
    const match = target === null ? null : RevisionMap.RELATIVE.exec(target);
    if (!match) return this.getRevisions(target);
    const [, branch, symbol, relativeText] = match;
    const relative = parseInt(relativeText, 10);
    if (relative > 0) {
      if (symbol === undefined) {
        const currents = toTuple(current);
        let starts: (Revision | null | string)[] = currents.length ? currents : [null];
        if (branch) {
          const currentRevs = this.getRevisions(currents).filter((r): r is Revision => r !== null);
          starts = this.filterForLineage(currentRevs, branch);
          if (!starts.length) {
            const active = this.filterForLineage(this.ancestors(currentRevs), branch);
            const downs = new Set(active.flatMap((r) => r.normalizedDown));
            starts = active.filter((r) => !downs.has(r.id));
            if (!starts.length) starts = [null];
          }
        }
        if (starts.length > 1) throw new RevisionError('Ambiguous upgrade from multiple current revisions');
        const rev = this.walk(starts[0] as Revision | null, relative, branch, assertRelativeLength);
        if (rev === undefined)
          throw new RevisionError(`Relative revision ${relativeText} didn't produce ${Math.abs(relative)} migrations`);
        return [rev as Revision | null];
      }
      return [this.walk(this.getRevision(symbol), relative, branch, assertRelativeLength) as Revision | null];
    }
    if (symbol === undefined)
      throw new RevisionError(`Relative revision ${relative} didn't produce ${Math.abs(relative)} migrations`);
    const start = branch === undefined ? this.getRevision(symbol) : this.getRevision(`${branch}@${symbol}`);
    return [this.walk(start, relative, undefined, assertRelativeLength) as Revision | null];
  }

  /** Alembic's `_parse_downgrade_target`, for a relative or absolute lower bound. */
  parseDowngradeTarget(
    current: Identifiers,
    target: string | null,
    assertRelativeLength: boolean,
  ): { branch?: string; rev: Revision | null | 'base' } {
    if (target === null) return { rev: null };
    const match = RevisionMap.RELATIVE.exec(target);
    if (match) {
      let branch: string | undefined = match[1];
      let symbol: string | undefined = match[2];
      const relativeText = match[3];
      const rel = parseInt(relativeText, 10);
      if (rel >= 0) {
        if (symbol === undefined)
          throw new RevisionError(`Relative revision ${relativeText} didn't produce ${Math.abs(rel)} migrations`);
        const rev = this.walk(symbol, rel, branch, assertRelativeLength);
        if (rev === undefined) throw new RevisionError('Walked too far');
        return { branch, rev };
      }
      const relativeToCurrent = symbol === undefined;
      if (relativeToCurrent) {
        const currents = toTuple(current);
        if (branch) {
          let symbols = this.filterForLineage(currents, branch);
          if (!symbols.length) symbols = this.filterForLineage(this.allCurrent(currents), branch).map((r) => r.id);
          // Alembic asserts exactly one here, and its command line fails with a traceback otherwise.
          if (symbols.length !== 1) {
            throw new RevisionError(
              `${target}: ${symbols.length ? 'several' : 'no'} current revisions are on branch '${branch}' (Alembic fails with an AssertionError)`,
            );
          }
          symbol = symbols[0];
        } else {
          if (!currents.length)
            throw new RevisionError(`Relative revision ${relativeText} didn't produce ${Math.abs(rel)} migrations`);
          symbol = currents[0];
          branch = symbol;
        }
      }
      const start = branch === undefined ? this.getRevision(symbol!) : this.getRevision(`${branch}@${symbol}`);
      const rev = this.walk(start, rel, undefined, assertRelativeLength);
      if (rev === undefined) {
        throw new RevisionError(
          relativeToCurrent
            ? `Relative revision ${relativeText} didn't produce ${Math.abs(rel)} migrations`
            : 'Walked too far',
        );
      }
      return { branch, rev };
    }
    const at = target.lastIndexOf('@');
    return { branch: at > 0 ? target.slice(0, at) : undefined, rev: this.getRevision(target.slice(at + 1)) };
  }

  private allCurrent(ids: string[]): Revision[] {
    const top = new Set(this.getRevisions(ids).filter((r): r is Revision => r !== null));
    for (const rev of this.ancestors([...top])) top.add(rev);
    return [...top].filter((rev) => !this.descendants([rev], false).some((d) => d !== rev && top.has(d)));
  }

  private collectUpgradeRevisions(
    upper: string | null,
    lower: Identifiers,
    inclusive: boolean,
    implicitBase: boolean,
    assertRelativeLength: boolean,
  ): { needs: Set<Revision>; targets: Revision[] } {
    const parsed: unknown[] = this.parseUpgradeTarget(lower, upper, assertRelativeLength);
    // Alembic asserts each target is a revision: a walk past either end fails with an AssertionError.
    if (!parsed.every((r) => r instanceof Revision))
      throw new RevisionError(`${upper} walks past the history (Alembic fails with an AssertionError)`);
    let targets = parsed as Revision[];
    if (typeof lower === 'string' && lower.includes('@')) {
      let branch = lower.slice(0, lower.indexOf('@'));
      const branchRev = this.getRevision(branch);
      if (branchRev && branchRev.id === branch) branch = [...branchRev.branchLabels][0];
      targets = targets.filter((t) => t.branchLabels.has(branch));
    }
    const required = new Set(this.related(normalizedDown, targets, true));
    for (const t of targets) required.add(t);

    const lowerRevs = this.getRevisionsOrBase(lower);
    let currentRevs = lowerRevs.map((r) => (r === 'base' ? null : r));
    // Alembic's "base" (a `-n` that lands exactly on base) is in no range either.
    if (!implicitBase && lowerRevs.some((r) => r !== null && (r === 'base' || !required.has(r)))) {
      throw new RevisionError(
        `Range ${lower}:${upper} is not along one branch`,
        'range-not-ancestor',
        undefined,
        undefined,
        { lower: String(lower), upper: String(upper) },
      );
    }
    if (typeof lower === 'string' && currentRevs.length && currentRevs[0] === null) {
      // A relative lower bound such as `-2`, which get_revisions cannot resolve.
      const { rev } = this.parseDowngradeTarget(upper, lower, assertRelativeLength);
      if (rev === 'base' || rev === null) {
        currentRevs = [];
        lower = null;
      } else {
        currentRevs = [rev];
        lower = rev.id;
      }
    }
    const currentSet = new Set(
      this.related(
        normalizedDown,
        currentRevs.filter((r): r is Revision => r !== null),
        true,
      ),
    );
    for (const r of currentRevs) if (r) currentSet.add(r);
    const needs = new Set([...required].filter((r) => !currentSet.has(r)));
    if (inclusive) for (const r of this.getRevisions(lower)) if (r) needs.add(r);
    const nonNullCurrent = currentRevs.filter((r): r is Revision => r !== null);
    if (nonNullCurrent.length && !implicitBase) {
      const below = new Set(this.related(nextrev, nonNullCurrent, true));
      for (const r of [...needs]) if (!below.has(r)) needs.delete(r);
    }
    return { needs, targets };
  }

  /** Alembic's `_topological_sort`: each revision after everything that depends on it, heads in load order. */
  topologicalSort(revisions: Set<Revision>, heads: Revision[]): string[] {
    this.ensureNormalized();
    const todo = new Set([...revisions].map((r) => r.id));
    const ancestorsOf = (id: string): Set<string> =>
      new Set(this.ancestors([this.revisions.get(id)!]).map((r) => r.id));
    const currentHeads = [...new Set(heads.map((h) => h.id).filter((id) => todo.has(id)))].sort(
      (a, b) => this.revisions.get(a)!.index - this.revisions.get(b)!.index,
    );
    const ancestorsByIndex = currentHeads.map(ancestorsOf);
    const output: string[] = [];
    let index = 0;
    while (currentHeads.length) {
      const candidate = currentHeads[index];
      const blocker = ancestorsByIndex.findIndex((ancestors, i) => i !== index && ancestors.has(candidate));
      if (blocker >= 0) {
        index = blocker;
        continue;
      }
      if (todo.delete(candidate)) output.push(candidate);
      const rev = this.revisions.get(candidate)!;
      const toAdd = rev.normalizedDown.filter((id) => todo.has(id) && !currentHeads.includes(id));
      if (!toAdd.length) {
        currentHeads.splice(index, 1);
        ancestorsByIndex.splice(index, 1);
        index = Math.max(index - 1, 0);
      } else if (!rev.normalizedDependencies.length && rev.down.length === 1) {
        currentHeads[index] = toAdd[0];
        ancestorsByIndex[index].delete(candidate);
      } else {
        currentHeads[index] = toAdd[0];
        currentHeads.push(...toAdd.slice(1));
        ancestorsByIndex[index] = ancestorsOf(toAdd[0]);
        ancestorsByIndex.push(...toAdd.slice(1).map(ancestorsOf));
      }
    }
    // Alembic asserts that nothing is left (`assert not todo`): its command fails with an AssertionError.
    if (todo.size) {
      throw new RevisionError(
        `Alembic cannot put this range in order: ${todo.size} of its revisions lead to none of the upper revisions it walks down from (revision.py's _topological_sort fails with an AssertionError)`,
      );
    }
    return output;
  }
}
