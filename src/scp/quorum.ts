import {StrKey, hash, xdr} from "@stellar/stellar-base";
import {befouledSet, isDSet} from "./analysis.js";
import {ScpError, ScpErrorCode} from "./errors.js";
import type {NodeId, QuorumSet} from "./types.js";

/**
 * Quorum-set algebra and whole-network (FBAS) analysis.
 *
 * Local predicates (`isQuorumSlice`, `isVBlocking`, `isQuorum`) follow the draft's "quorum
 * threshold" and "blocking threshold" definitions for k-of-n sets. Network analysis
 * (`minimalQuorums`, `hasQuorumIntersection`) follows the whitepaper's FBA section directly on
 * string sets: simple, and the reference the faster analysis.ts is tested against on small
 * networks; D Sets and intact/befouled nodes use analysis.ts.
 */

/** stellar-core's MAXIMUM_QUORUM_NESTING_LEVEL: a top set plus at most 4 levels of inner sets. */
export const MAX_QUORUM_SET_DEPTH = 4;
/** stellar-core's MAXIMUM_QUORUM_NODES: bounds the cost of every quorum check to ~1000 lookups. */
export const MAX_QUORUM_SET_NODES = 1000;

/** A federated Byzantine agreement system: each node's quorum set. */
export type Fbas = Map<NodeId, QuorumSet>;

/** The quorum set `{1, [node]}`: a node that trusts only itself (a standalone network). */
export function singletonQuorumSet(node: NodeId): QuorumSet {
  return {threshold: 1, validators: [node], innerSets: []};
}

export type SanityResult = {ok: true} | {ok: false; reason: string};

/**
 * Sanity rules of stellar-core's `isQuorumSetSane`: 1 ≤ threshold ≤ members at every level,
 * nesting depth ≤ MAX_QUORUM_SET_DEPTH, no node listed twice anywhere in the tree, at most
 * MAX_QUORUM_SET_NODES nodes. An insane set would make thresholds meaningless or let one node
 * count twice towards a slice.
 */
export function checkQuorumSetSanity(qset: QuorumSet): SanityResult {
  const seen = new Set<NodeId>();
  const walk = (q: QuorumSet, depth: number): string | undefined => {
    if (depth > MAX_QUORUM_SET_DEPTH) return `nesting deeper than ${MAX_QUORUM_SET_DEPTH}`;
    const n = q.validators.length + q.innerSets.length;
    if (!Number.isInteger(q.threshold) || q.threshold < 1 || q.threshold > n) {
      return `threshold ${q.threshold} outside 1..${n}`;
    }
    for (const v of q.validators) {
      if (seen.has(v)) return `duplicate node ${v}`;
      seen.add(v);
    }
    for (const inner of q.innerSets) {
      const err = walk(inner, depth + 1);
      if (err) return err;
    }
    return undefined;
  };
  const err = walk(qset, 0);
  if (err) return {ok: false, reason: err};
  if (seen.size > MAX_QUORUM_SET_NODES) return {ok: false, reason: `more than ${MAX_QUORUM_SET_NODES} nodes`};
  return {ok: true};
}

/** Every node named anywhere in the quorum set. */
export function quorumSetNodes(qset: QuorumSet, into: Set<NodeId> = new Set()): Set<NodeId> {
  for (const v of qset.validators) into.add(v);
  for (const inner of qset.innerSets) quorumSetNodes(inner, into);
  return into;
}

/**
 * Canonical form: validators sorted, inner sets canonicalised and sorted by their XDR bytes, so
 * that two operators who list the same slices in different orders get the same hash.
 */
export function normalizeQuorumSet(qset: QuorumSet): QuorumSet {
  const inner = qset.innerSets.map(normalizeQuorumSet);
  const keyed = inner.map((q) => ({q, key: quorumSetToXdr(q).toXDR()}));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  return {threshold: qset.threshold, validators: [...qset.validators].sort(), innerSets: keyed.map((k) => k.q)};
}

function nodeIdToXdr(node: NodeId): xdr.PublicKey {
  if (!StrKey.isValidEd25519PublicKey(node)) {
    throw new ScpError(ScpErrorCode.InvalidNodeId, `not an ed25519 public key: ${node}`, {node});
  }
  return xdr.PublicKey.publicKeyTypeEd25519(StrKey.decodeEd25519PublicKey(node));
}

/** Stellar's `SCPQuorumSet` XDR of a quorum set (as given, not normalised). */
export function quorumSetToXdr(qset: QuorumSet): xdr.ScpQuorumSet {
  return new xdr.ScpQuorumSet({
    threshold: qset.threshold,
    validators: qset.validators.map(nodeIdToXdr),
    innerSets: qset.innerSets.map(quorumSetToXdr),
  });
}

/** sha256 of the XDR of the normalised quorum set: the `quorumSetHash` carried by statements. */
export function quorumSetHash(qset: QuorumSet): Buffer {
  return hash(quorumSetToXdr(normalizeQuorumSet(qset)).toXDR());
}

/**
 * True when `nodes` contains a slice of `qset`: at least `threshold` members are satisfied, a
 * validator by being in `nodes`, an inner set recursively.
 */
export function isQuorumSlice(qset: QuorumSet, nodes: ReadonlySet<NodeId>): boolean {
  let needed = qset.threshold;
  if (needed <= 0) return true;
  for (const v of qset.validators) {
    if (nodes.has(v) && --needed === 0) return true;
  }
  for (const inner of qset.innerSets) {
    if (isQuorumSlice(inner, nodes) && --needed === 0) return true;
  }
  return false;
}

/**
 * True when `nodes` meets every slice of `qset` (draft's blocking threshold): more than n − k
 * members are blocked. A set with threshold 0 has the empty slice, which nothing can block.
 */
export function isVBlocking(qset: QuorumSet, nodes: ReadonlySet<NodeId>): boolean {
  if (qset.threshold <= 0) return false;
  let leftTillBlock = 1 + qset.validators.length + qset.innerSets.length - qset.threshold;
  for (const v of qset.validators) {
    if (nodes.has(v) && --leftTillBlock <= 0) return true;
  }
  for (const inner of qset.innerSets) {
    if (isVBlocking(inner, nodes) && --leftTillBlock <= 0) return true;
  }
  return false;
}

/**
 * A smallest subset of `nodes` that is v-blocking for `qset`, or undefined when even all of
 * `nodes` is not. Exact for sane sets (no node appears twice, so the branches are independent):
 * at each level block the cheapest n − k + 1 members. Used for health reports ("these 2
 * validators being down would block us").
 */
export function findClosestVBlocking(qset: QuorumSet, nodes: ReadonlySet<NodeId>, excluded?: NodeId): NodeId[] | undefined {
  if (qset.threshold <= 0) return undefined;
  const need = 1 + qset.validators.length + qset.innerSets.length - qset.threshold;
  const options: NodeId[][] = [];
  for (const v of qset.validators) {
    if (v !== excluded && nodes.has(v)) options.push([v]);
  }
  for (const inner of qset.innerSets) {
    const sub = findClosestVBlocking(inner, nodes, excluded);
    if (sub) options.push(sub);
  }
  if (options.length < need) return undefined;
  options.sort((a, b) => a.length - b.length);
  return options.slice(0, need).flat();
}

/**
 * Largest subset of `candidates` in which every member has a slice (the draft's fixpoint:
 * repeatedly drop nodes whose slices are not satisfied). Nodes in `deleted` count as present in
 * every slice, which is the whitepaper's deletion (V,Q)^B: q \ B ⊆ U iff q ⊆ U ∪ B.
 * Empty when `candidates` contains no quorum.
 */
export function greatestQuorumWithin(
  candidates: Iterable<NodeId>,
  qsetOf: (node: NodeId) => QuorumSet | undefined,
  deleted?: ReadonlySet<NodeId>,
): Set<NodeId> {
  const current = new Set<NodeId>();
  for (const n of candidates) if (!deleted?.has(n)) current.add(n);
  const view = deleted && deleted.size > 0 ? unionView(current, deleted) : current;
  let changed = true;
  while (changed) {
    changed = false;
    for (const n of [...current]) {
      const q = qsetOf(n);
      if (!q || !isQuorumSlice(q, view)) {
        current.delete(n);
        changed = true;
      }
    }
  }
  return current;
}

/** A read-only set view of a ∪ b that tracks later changes to `a`. */
function unionView(a: ReadonlySet<NodeId>, b: ReadonlySet<NodeId>): ReadonlySet<NodeId> {
  return {has: (n: NodeId) => a.has(n) || b.has(n)} as ReadonlySet<NodeId>;
}

/**
 * Draft's quorum threshold from the point of view of a node with quorum set `localQset`: does
 * `nodes` contain a quorum that satisfies one of the local slices? (The local node's own
 * membership is the caller's concern: the slot always includes its own statement.)
 */
export function isQuorum(
  localQset: QuorumSet,
  nodes: Iterable<NodeId>,
  qsetOf: (node: NodeId) => QuorumSet | undefined,
): boolean {
  const q = greatestQuorumWithin(nodes, qsetOf);
  return isQuorumSlice(localQset, q);
}

/** Whitepaper definition: U ≠ ∅ and every member of U has a slice inside U (after deletion). */
export function isQuorumInFbas(fbas: Fbas, nodes: ReadonlySet<NodeId>, deleted?: ReadonlySet<NodeId>): boolean {
  if (nodes.size === 0) return false;
  const view = deleted && deleted.size > 0 ? unionView(nodes, deleted) : nodes;
  for (const n of nodes) {
    if (deleted?.has(n)) return false;
    const q = fbas.get(n);
    if (!q || !isQuorumSlice(q, view)) return false;
  }
  return true;
}

/** Options bounding exhaustive analysis, which is exponential in the worst case. */
export interface AnalysisOptions {
  /** Nodes to treat as deleted (whitepaper (V,Q)^B). */
  deleted?: ReadonlySet<NodeId>;
  /** Stop after this many minimal quorums (returns what was found; `complete` false). */
  maxResults?: number;
}

export interface MinimalQuorumsResult {
  quorums: Set<NodeId>[];
  complete: boolean;
}

/**
 * All minimal quorums (no proper subset is a quorum) of the FBAS, by include/exclude branching
 * that always branches on a node some committed member still needs, and prunes a branch once
 * the committed nodes no longer fit in the greatest quorum of what is left. Exponential in the
 * worst case; fine for tens of nodes with the usual organisation-level thresholds.
 */
export function minimalQuorums(fbas: Fbas, opts: AnalysisOptions = {}): MinimalQuorumsResult {
  const deleted = opts.deleted;
  const qsetOf = (n: NodeId) => fbas.get(n);
  const universe = greatestQuorumWithin(fbas.keys(), qsetOf, deleted);
  const found: Set<NodeId>[] = [];
  const max = opts.maxResults ?? Number.POSITIVE_INFINITY;
  let complete = true;

  const isMinimal = (q: Set<NodeId>): boolean => {
    for (const n of q) {
      const rest = [...q].filter((m) => m !== n);
      if (greatestQuorumWithin(rest, qsetOf, deleted).size > 0) return false;
    }
    return true;
  };

  const expand = (committed: Set<NodeId>, remaining: NodeId[]): void => {
    if (found.length >= max) {
      complete = false;
      return;
    }
    if (committed.size > 0) {
      // A committed set that already contains a quorum is either that quorum or has only
      // non-minimal supersets.
      const inner = greatestQuorumWithin(committed, qsetOf, deleted);
      if (inner.size > 0) {
        if (inner.size === committed.size && isMinimal(committed)) found.push(new Set(committed));
        return;
      }
      const reach = greatestQuorumWithin([...committed, ...remaining], qsetOf, deleted);
      for (const c of committed) if (!reach.has(c)) return;
    }
    if (remaining.length === 0) return;
    const pick = pickNeeded(fbas, committed, remaining, deleted) ?? remaining[0]!;
    const rest = remaining.filter((n) => n !== pick);
    committed.add(pick);
    expand(committed, rest);
    committed.delete(pick);
    // Excluding a node only matters before anything is committed or when others can replace it.
    expand(committed, rest);
  };

  // Every minimal quorum has a lowest-ordered member; rooting the search at each node with the
  // lower-ordered ones excluded enumerates each quorum exactly once.
  const order = [...universe].sort();
  for (let i = 0; i < order.length; i++) {
    const root = order[i]!;
    expandRooted(root, order.slice(i + 1));
  }
  function expandRooted(root: NodeId, remaining: NodeId[]): void {
    const committed = new Set<NodeId>([root]);
    const reach = greatestQuorumWithin([root, ...remaining], qsetOf, deleted);
    if (!reach.has(root)) return;
    expand(committed, remaining.filter((n) => reach.has(n)));
  }
  return {quorums: found, complete};
}

/** A node of `remaining` that appears in the quorum set of a committed node not yet satisfied. */
function pickNeeded(fbas: Fbas, committed: Set<NodeId>, remaining: NodeId[], deleted?: ReadonlySet<NodeId>): NodeId | undefined {
  const rem = new Set(remaining);
  const view = deleted && deleted.size > 0 ? unionView(committed, deleted) : committed;
  for (const c of committed) {
    const q = fbas.get(c);
    if (!q || isQuorumSlice(q, view)) continue;
    for (const n of quorumSetNodes(q)) if (rem.has(n)) return n;
  }
  return undefined;
}

export interface IntersectionResult {
  intersects: boolean;
  /** Two disjoint quorums when `intersects` is false. */
  witness?: [Set<NodeId>, Set<NodeId>];
  /** Number of minimal quorums examined. */
  minimalQuorums: number;
}

/**
 * Whitepaper quorum intersection: any two quorums share a node. Two disjoint quorums exist iff
 * some minimal quorum Q leaves a quorum inside V \ Q, so one fixpoint per minimal quorum decides.
 */
export function hasQuorumIntersection(fbas: Fbas, opts: AnalysisOptions = {}): IntersectionResult {
  const {quorums} = minimalQuorums(fbas, opts);
  const qsetOf = (n: NodeId) => fbas.get(n);
  for (const q of quorums) {
    const rest = [...fbas.keys()].filter((n) => !q.has(n));
    const other = greatestQuorumWithin(rest, qsetOf, opts.deleted);
    if (other.size > 0) return {intersects: false, witness: [q, other], minimalQuorums: quorums.length};
  }
  return {intersects: true, minimalQuorums: quorums.length};
}

/**
 * Whitepaper D Set: (V,Q)^B enjoys quorum intersection, and V \ B is a quorum of (V,Q) or B = V.
 * (Computed by the component-wise analysis in analysis.ts, which scales to crawled networks.)
 */
export function isDispensableSet(fbas: Fbas, b: ReadonlySet<NodeId>): boolean {
  return isDSet(fbas, b);
}

/**
 * Whitepaper: a node is intact iff some D Set containing every ill-behaved node excludes it;
 * befouled otherwise. So the befouled set is the intersection of all D Sets ⊇ ill-behaved
 * (Theorem 3); see `befouledSet` in analysis.ts for how it is found.
 */
export function befouledNodes(fbas: Fbas, illBehaved: ReadonlySet<NodeId>): Set<NodeId> {
  return befouledSet(fbas, illBehaved);
}

/** Whitepaper "intact": not befouled given the ill-behaved nodes. */
export function isIntact(fbas: Fbas, illBehaved: ReadonlySet<NodeId>, node: NodeId): boolean {
  return !befouledNodes(fbas, illBehaved).has(node);
}

/**
 * Fast, incomplete search for two disjoint quorums: for each node, shrink the greatest quorum
 * to a minimal quorum around it, then look for a quorum in the rest. A returned pair is a real
 * witness against quorum intersection; undefined proves nothing (use `hasQuorumIntersection`
 * where the network is small enough). Costs O(n²) fixpoints, so it suits crawled networks of
 * hundreds of nodes whose exact analysis is too slow.
 */
export function findDisjointQuorums(fbas: Fbas): [Set<NodeId>, Set<NodeId>] | undefined {
  const qsetOf = (n: NodeId) => fbas.get(n);
  const greatest = greatestQuorumWithin(fbas.keys(), qsetOf);
  for (const root of greatest) {
    let cur = greatest;
    for (const n of [...greatest]) {
      if (n === root || !cur.has(n)) continue;
      const smaller = greatestQuorumWithin([...cur].filter((m) => m !== n), qsetOf);
      if (smaller.has(root)) cur = smaller;
    }
    const rest = greatestQuorumWithin([...fbas.keys()].filter((m) => !cur.has(m)), qsetOf);
    if (rest.size > 0) return [cur, rest];
  }
  return undefined;
}
