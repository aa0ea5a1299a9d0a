import {ScpError, ScpErrorCode} from "./errors.js";
import type {Fbas} from "./quorum.js";
import type {NodeId} from "./types.js";
import {
  type Bits,
  type CompiledFbas,
  bitsOf,
  clearBit,
  compileFbas,
  emptyBits,
  greatestQuorum,
  hasBit,
  isEmpty,
  isMinimalQuorum,
  isQuorumBits,
  isSubset,
  liftBits,
  members,
  minus,
  popcount,
  qsetMembers,
  restrictFbas,
  setBit,
  sliceSatisfied,
  stronglyConnectedComponents,
} from "./analysis-core.js";

/**
 * Whole-network (FBAS) analysis at the scale of crawled networks: quorum intersection with a
 * witness, minimal quorums, the top tier, minimal blocking sets, D Sets and befouled nodes.
 *
 * The approach of the fast analyzers: only nodes of the greatest quorum can be in a quorum;
 * every minimal quorum lies inside one strongly connected component of the trust graph, so two
 * components holding quorums already give two disjoint quorums; inside a component, minimal
 * quorums are enumerated by include/exclude branching on a node some selected member still
 * needs, and an exclusion is followed by contracting what is left to its greatest quorum, which
 * must still hold the selection (else the branch is dead). Intersection alone needs only
 * quorums of at most half the component: of two disjoint minimal quorums one is that small.
 */

/** Bounds an analysis whose worst case is exponential; exceeding one is an error, never a guess. */
export interface AnalysisLimits {
  /** Most minimal quorums to enumerate (default 1,000,000). */
  maxMinimalQuorums?: number;
  /** Most minimal blocking sets to enumerate (default 1,000,000). */
  maxBlockingSets?: number;
  /** Most candidate D Sets tried when the quick answer does not apply (default 100,000). */
  maxDSetCandidates?: number;
}

const DEFAULT_LIMITS: Required<AnalysisLimits> = {
  maxMinimalQuorums: 1_000_000,
  maxBlockingSets: 1_000_000,
  maxDSetCandidates: 100_000,
};

function limitsOf(l?: AnalysisLimits): Required<AnalysisLimits> {
  return {...DEFAULT_LIMITS, ...l};
}

function tooLarge(what: string, limit: number): ScpError {
  return new ScpError(ScpErrorCode.AnalysisTooLarge, `${what} exceeds the limit of ${limit}`, {limit});
}

/** How often each node is named by the quorum sets of `within`: the branching order. */
function trustWeights(f: CompiledFbas, within: Bits): Int32Array {
  const w = new Int32Array(f.ids.length);
  for (const v of members(within)) for (const m of new Set(qsetMembers(f.qsets[v]!))) w[m]!++;
  return w;
}

interface EnumerateOptions {
  /** Do not extend selections past this size (intersection-only search). */
  maxSize?: number;
  /** Report only minimal quorums (otherwise every quorum a branch reaches first). */
  minimalOnly: boolean;
  /** Return false to stop the enumeration. */
  onQuorum: (q: Bits) => boolean;
}

/**
 * Include/exclude enumeration of the quorums inside `avail` that are reached first along each
 * branch; with `minimalOnly` those are exactly the minimal quorums, each once (every branch
 * fixes one more node in or out, so branches never overlap, and a minimal quorum's own
 * branch always has a needed node left to fix until the selection equals it).
 */
function enumerateQuorums(f: CompiledFbas, avail0: Bits, opts: EnumerateOptions): void {
  const start = greatestQuorum(f, avail0);
  if (isEmpty(start)) return;
  const weight = trustWeights(f, start);
  const selection = emptyBits(f);
  const selected: number[] = [];
  let stopped = false;

  const step = (avail: Bits): void => {
    if (stopped) return;
    // The first selected member without a slice inside the selection, if any.
    let needy = -1;
    for (const n of selected) {
      if (!sliceSatisfied(f.qsets[n]!, selection)) {
        needy = n;
        break;
      }
    }
    if (selected.length > 0 && needy === -1) {
      if (!opts.minimalOnly || isMinimalQuorum(f, selection)) {
        if (!opts.onQuorum(selection.slice())) stopped = true;
      }
      return;
    }
    if (opts.maxSize !== undefined && selected.length >= opts.maxSize) return;
    let pick = -1;
    const options = needy === -1 ? members(avail) : qsetMembers(f.qsets[needy]!);
    for (const c of options) {
      if (!hasBit(avail, c) || hasBit(selection, c)) continue;
      if (pick === -1 || weight[c]! > weight[pick]! || (weight[c] === weight[pick] && c < pick)) pick = c;
    }
    if (pick === -1) return;
    setBit(selection, pick);
    selected.push(pick);
    step(avail);
    selected.pop();
    clearBit(selection, pick);
    if (stopped) return;
    const rest = avail.slice();
    clearBit(rest, pick);
    const contracted = greatestQuorum(f, rest);
    if (!isEmpty(contracted) && isSubset(selection, contracted)) step(contracted);
  };
  step(start);
}

/** Components of the greatest quorum's trust graph that contain a quorum. */
function quorumComponents(f: CompiledFbas): Bits[] {
  const all = bitsOf(f, f.ids.map((_, i) => i));
  const g = greatestQuorum(f, all);
  return stronglyConnectedComponents(f, g).filter((c) => !isEmpty(greatestQuorum(f, c)));
}

/** Shrinks a quorum to a minimal quorum inside it. */
function shrinkToMinimal(f: CompiledFbas, q: Bits): Bits {
  let cur = greatestQuorum(f, q);
  for (const n of members(cur)) {
    if (!hasBit(cur, n)) continue;
    const probe = cur.slice();
    clearBit(probe, n);
    const inner = greatestQuorum(f, probe);
    if (!isEmpty(inner)) cur = inner;
  }
  return cur;
}

function namesOf(f: CompiledFbas, b: Bits): NodeId[] {
  return members(b).map((i) => f.ids[i]!).sort();
}

/** Two disjoint quorums of a compiled FBAS (each shrunk to a minimal one), or undefined. */
function disjointQuorumsCompiled(f: CompiledFbas): [Bits, Bits] | undefined {
  const comps = quorumComponents(f);
  if (comps.length >= 2) return [shrinkToMinimal(f, comps[0]!), shrinkToMinimal(f, comps[1]!)];
  if (comps.length === 0) return undefined;
  const {sub, toParent} = restrictFbas(f, comps[0]!);
  const comp = greatestQuorum(sub, bitsOf(sub, sub.ids.map((_, i) => i)));
  let witness: [Bits, Bits] | undefined;
  enumerateQuorums(sub, comp, {
    maxSize: Math.floor(popcount(comp) / 2),
    minimalOnly: false,
    onQuorum: (q) => {
      const other = greatestQuorum(sub, minus(comp, q));
      if (isEmpty(other)) return true;
      witness = [liftBits(f, toParent, shrinkToMinimal(sub, q)), liftBits(f, toParent, shrinkToMinimal(sub, other))];
      return false;
    },
  });
  return witness;
}

export interface IntersectionCheck {
  intersects: boolean;
  /** Two disjoint minimal quorums when `intersects` is false (sorted node ids). */
  witness: [NodeId[], NodeId[]] | null;
}

/**
 * Whitepaper quorum intersection of (V,Q), or of (V,Q)^B with `deleted` = B: any two quorums
 * share a node. Exact; fast on crawled networks because it works inside the component that
 * holds the quorums and stops at the first disjoint pair.
 */
export function checkQuorumIntersection(fbas: Fbas, deleted?: ReadonlySet<NodeId>): IntersectionCheck {
  const f = compileFbas(fbas, deleted);
  const w = disjointQuorumsCompiled(f);
  return w ? {intersects: false, witness: [namesOf(f, w[0]), namesOf(f, w[1])]} : {intersects: true, witness: null};
}

/** All minimal quorums of the compiled FBAS, component by component. */
function minimalQuorumsCompiled(f: CompiledFbas, limit: number): Bits[] {
  const out: Bits[] = [];
  for (const comp of quorumComponents(f)) {
    const {sub, toParent} = restrictFbas(f, comp);
    enumerateQuorums(sub, bitsOf(sub, sub.ids.map((_, i) => i)), {
      minimalOnly: true,
      onQuorum: (q) => {
        if (out.length >= limit) throw tooLarge("number of minimal quorums", limit);
        out.push(liftBits(f, toParent, q));
        return true;
      },
    });
  }
  return out;
}

/** Every minimal quorum (sorted members; list sorted), exact. */
export function allMinimalQuorums(fbas: Fbas, opts: {deleted?: ReadonlySet<NodeId>; limits?: AnalysisLimits} = {}): NodeId[][] {
  const f = compileFbas(fbas, opts.deleted);
  return sortSets(minimalQuorumsCompiled(f, limitsOf(opts.limits).maxMinimalQuorums).map((q) => namesOf(f, q)));
}

/**
 * All minimal hitting sets of `sets`: branch on the unhit set with the fewest allowed members,
 * taking its i-th member and forbidding the earlier ones, so each hitting set has one branch.
 * A branch dies when a selected member no longer hits some set alone (it can never become
 * minimal again: adding members only takes such sets away).
 */
function minimalHittingSets(f: CompiledFbas, sets: Bits[], limit: number): Bits[] {
  const out: Bits[] = [];
  const words = f.words;
  /** The sets back to back, `words` words each: the scans below are the hot loop. */
  const flat = new Uint32Array(sets.length * words);
  sets.forEach((s, i) => flat.set(s, i * words));
  const holds = (i: number, n: number): boolean => (flat[i * words + (n >>> 5)]! & (1 << (n & 31))) !== 0;
  const chosen = emptyBits(f);
  const forbidden = emptyBits(f);

  /**
   * `unhit`: sets no chosen node meets; `crit`: per chosen node, the sets it alone meets (a
   * chosen node whose list empties can never be in a minimal hitting set, so the branch dies).
   */
  const step = (unhit: number[], crit: Array<[number, number[]]>): void => {
    if (unhit.length === 0) {
      if (out.length >= limit) throw tooLarge("number of minimal blocking sets", limit);
      out.push(chosen.slice());
      return;
    }
    let best = -1;
    let bestCount = Number.POSITIVE_INFINITY;
    for (const i of unhit) {
      let count = 0;
      for (let w = 0; w < words; w++) {
        let x = flat[i * words + w]! & ~forbidden[w]!;
        x -= (x >>> 1) & 0x55555555;
        x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
        count += (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
      }
      if (count < bestCount) {
        best = i;
        bestCount = count;
        if (count <= 1) break;
      }
    }
    if (bestCount === 0) return;
    const candidates = members(minus(sets[best]!, forbidden));
    for (const c of candidates) {
      const nextCrit: Array<[number, number[]]> = [];
      let dead = false;
      for (const [b, list] of crit) {
        const kept = list.filter((i) => !holds(i, c));
        if (kept.length === 0) {
          dead = true;
          break;
        }
        nextCrit.push([b, kept]);
      }
      if (!dead) {
        const nextUnhit: number[] = [];
        const own: number[] = [];
        for (const i of unhit) (holds(i, c) ? own : nextUnhit).push(i);
        nextCrit.push([c, own]);
        setBit(chosen, c);
        step(nextUnhit, nextCrit);
        clearBit(chosen, c);
      }
      setBit(forbidden, c);
    }
    for (const c of candidates) clearBit(forbidden, c);
  };
  step(
    sets.map((_, i) => i),
    [],
  );
  return out;
}

export interface FbasAnalysis {
  /** Whitepaper quorum intersection. */
  intersection: boolean;
  /** Two disjoint minimal quorums when intersection fails. */
  disjointQuorums: [NodeId[], NodeId[]] | null;
  minimalQuorums: NodeId[][];
  /**
   * Minimal sets whose failure leaves no quorum anywhere (V \ B contains no quorum): the
   * minimal sets meeting every minimal quorum. Their nodes can halt the whole network.
   */
  minimalBlockingSets: NodeId[][];
  /** A smallest of them (the first in sorted order among those of least size). */
  smallestBlockingSet: NodeId[];
  /** Union of all minimal quorums: the nodes every quorum is built from. */
  topTier: NodeId[];
}

/** The full analysis `diamante quorum check` and GET /quorum report. Exact or an error. */
export function analyzeFbas(fbas: Fbas, limits?: AnalysisLimits): FbasAnalysis {
  const lim = limitsOf(limits);
  const f = compileFbas(fbas);
  const mq = minimalQuorumsCompiled(f, lim.maxMinimalQuorums);
  const witness = disjointQuorumsCompiled(f);
  const top = emptyBits(f);
  for (const q of mq) for (let w = 0; w < q.length; w++) top[w]! |= q[w]!;
  // Blocking sets only ever contain top-tier nodes: search on the top tier's own indices.
  const {sub: tier, toParent} = restrictFbas(f, top);
  const local = new Map(toParent.map((p, i) => [p, i]));
  const tierSets = mq.map((q) => bitsOf(tier, members(q).map((p) => local.get(p)!)));
  const blocking = mq.length === 0 ? [emptyBits(tier)] : minimalHittingSets(tier, tierSets, lim.maxBlockingSets);
  const blockingNames = sortSets(blocking.map((b) => namesOf(tier, b)));
  return {
    intersection: witness === undefined,
    disjointQuorums: witness ? [namesOf(f, witness[0]), namesOf(f, witness[1])] : null,
    minimalQuorums: sortSets(mq.map((q) => namesOf(f, q))),
    minimalBlockingSets: blockingNames,
    smallestBlockingSet: blockingNames[0] ?? [],
    topTier: namesOf(f, top),
  };
}

/**
 * The JSON report of `diamante quorum check --json` and GET /quorum. The first five keys are the
 * agreed contract; the rest are optional answers and context.
 */
export interface QuorumReport {
  intersection: boolean;
  disjoint_quorums: [NodeId[], NodeId[]] | null;
  smallest_blocking_set: NodeId[];
  minimal_blocking_sets: NodeId[][];
  top_tier: NodeId[];
  minimal_quorums: number;
  nodes: number;
  dset?: {nodes: NodeId[]; is_dset: boolean};
  ill?: {nodes: NodeId[]; befouled: NodeId[]; intact: NodeId[]};
  assumed?: NodeId[];
}

export function quorumReport(a: FbasAnalysis, nodes: number): QuorumReport {
  return {
    intersection: a.intersection,
    disjoint_quorums: a.disjointQuorums,
    smallest_blocking_set: a.smallestBlockingSet,
    minimal_blocking_sets: a.minimalBlockingSets,
    top_tier: a.topTier,
    minimal_quorums: a.minimalQuorums.length,
    nodes,
  };
}

/** Sorted by size, then member by member. */
function sortSets(sets: NodeId[][]): NodeId[][] {
  return sets.sort((a, b) => {
    if (a.length !== b.length) return a.length - b.length;
    for (let i = 0; i < a.length; i++) {
      if (a[i]! !== b[i]!) return a[i]! < b[i]! ? -1 : 1;
    }
    return 0;
  });
}

/** Whitepaper quorum in (V,Q): non-empty and each member has a slice inside. */
function isQuorumOf(fbas: Fbas, nodes: ReadonlySet<NodeId>): boolean {
  const f = compileFbas(fbas);
  for (const n of nodes) if (!f.index.has(n)) return false;
  return isQuorumBits(f, bitsOf(f, [...nodes].map((n) => f.index.get(n)!)));
}

/**
 * Whitepaper D Set: (V,Q)^B enjoys quorum intersection, and V \ B is a quorum of (V,Q) or
 * B = V.
 */
export function isDSet(fbas: Fbas, b: ReadonlySet<NodeId>): boolean {
  const rest = new Set([...fbas.keys()].filter((n) => !b.has(n)));
  if (rest.size === 0) return true;
  if (!isQuorumOf(fbas, rest)) return false;
  return checkQuorumIntersection(fbas, b).intersects;
}

/**
 * The befouled nodes given the ill-behaved ones: the intersection of every D Set containing
 * them (whitepaper: v is intact iff some such D Set excludes v). Any such D Set B has V \ B a
 * quorum inside V \ ill, so V \ B lies inside U0, the greatest quorum there; hence when
 * V \ U0 is itself a D Set it is the smallest one. Otherwise D Sets are searched by removing
 * ever more nodes from U0; with quorum intersection D Sets are closed under intersection
 * (Theorem 2), so the first (smallest) one found is the answer; without it, the answer is the
 * intersection of all of them and every candidate is tried.
 */
export function befouledSet(fbas: Fbas, ill: ReadonlySet<NodeId>, limits?: AnalysisLimits): Set<NodeId> {
  const lim = limitsOf(limits);
  const all = [...fbas.keys()];
  for (const n of ill) {
    if (!fbas.has(n)) throw new ScpError(ScpErrorCode.InvalidArgument, `unknown node ${n}`, {node: n});
  }
  const f = compileFbas(fbas);
  const notIll = bitsOf(f, all.filter((n) => !ill.has(n)).map((n) => f.index.get(n)!));
  const u0 = greatestQuorum(f, notIll);
  const u0Names = new Set(namesOf(f, u0));
  const complementOf = (u: ReadonlySet<NodeId>) => new Set(all.filter((n) => !u.has(n)));
  if (u0Names.size === 0) return new Set(all);
  const b0 = complementOf(u0Names);
  if (checkQuorumIntersection(fbas, b0).intersects) return b0;

  const withIntersection = checkQuorumIntersection(fbas).intersects;
  const free = [...u0Names].sort();
  // Without intersection the answer is the intersection of all D Sets, so every subset of U0
  // must be tried: refuse at once rather than after the limit's worth of work.
  if (!withIntersection && 2 ** free.length > lim.maxDSetCandidates) {
    throw new ScpError(
      ScpErrorCode.AnalysisTooLarge,
      `intact nodes of a network without quorum intersection need all 2^${free.length} subsets of the nodes outside the ill-behaved tried, more than the limit of ${lim.maxDSetCandidates}`,
      {limit: lim.maxDSetCandidates, nodes: free.length},
    );
  }
  let tried = 0;
  let befouled = new Set(all);
  // Remove r more nodes from U0, r = 1, 2, …; U0 minus the removed must be a quorum.
  for (let r = 1; r <= free.length; r++) {
    let foundAtThisSize = false;
    for (const removed of combinations(free, r)) {
      if (++tried > lim.maxDSetCandidates) throw tooLarge("number of D Set candidates", lim.maxDSetCandidates);
      const b = new Set([...b0, ...removed]);
      if (!isDSet(fbas, b)) continue;
      foundAtThisSize = true;
      befouled = new Set([...befouled].filter((n) => b.has(n)));
    }
    if (foundAtThisSize && withIntersection) return befouled;
  }
  return befouled;
}

function* combinations<T>(items: T[], k: number, from = 0, acc: T[] = []): Generator<T[]> {
  if (acc.length === k) {
    yield [...acc];
    return;
  }
  for (let i = from; i <= items.length - (k - acc.length); i++) {
    acc.push(items[i]!);
    yield* combinations(items, k, i + 1, acc);
    acc.pop();
  }
}

