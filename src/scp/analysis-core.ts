import type {Fbas} from "./quorum.js";
import type {NodeId, QuorumSet} from "./types.js";

/**
 * The FBAS compiled to node indices and bitsets for whole-network analysis. Crawled networks
 * have hundreds of nodes and their analysis runs millions of slice checks, which on string
 * sets cost a hash lookup per member; on a bitset a check is a shift and a mask.
 *
 * Deletion (whitepaper (V,Q)^B) is compiled away: a deleted member of a k-of-n set is in every
 * slice q \ B, so it is dropped and the threshold lowered by one; an inner set whose threshold
 * falls to 0 is always satisfied and is dropped the same way. Members named in a quorum set but
 * absent from the FBAS (no known quorum set) can never be in a quorum and are dropped without
 * lowering the threshold.
 */
export interface CompiledQset {
  /** ≤ 0: always satisfied (every member was deleted). */
  threshold: number;
  validators: number[];
  inner: CompiledQset[];
}

export interface CompiledFbas {
  ids: NodeId[];
  index: Map<NodeId, number>;
  qsets: CompiledQset[];
  /** Words per bitset. */
  words: number;
}

export type Bits = Uint32Array;

export function compileFbas(fbas: Fbas, deleted?: ReadonlySet<NodeId>): CompiledFbas {
  const ids = [...fbas.keys()].filter((n) => !deleted?.has(n)).sort();
  const index = new Map<NodeId, number>(ids.map((n, i) => [n, i]));
  const compile = (q: QuorumSet): CompiledQset => {
    let threshold = q.threshold;
    const validators: number[] = [];
    const inner: CompiledQset[] = [];
    for (const v of q.validators) {
      if (deleted?.has(v)) threshold--;
      else {
        const i = index.get(v);
        if (i !== undefined) validators.push(i);
      }
    }
    for (const s of q.innerSets) {
      const c = compile(s);
      if (c.threshold <= 0) threshold--;
      else inner.push(c);
    }
    return {threshold, validators, inner};
  };
  const qsets = ids.map((n) => compile(fbas.get(n)!));
  return {ids, index, qsets, words: Math.max(1, Math.ceil(ids.length / 32))};
}

export function emptyBits(f: CompiledFbas): Bits {
  return new Uint32Array(f.words);
}

export function bitsOf(f: CompiledFbas, members: Iterable<number>): Bits {
  const b = emptyBits(f);
  for (const i of members) b[i >>> 5]! |= 1 << (i & 31);
  return b;
}

export function hasBit(b: Bits, i: number): boolean {
  return (b[i >>> 5]! & (1 << (i & 31))) !== 0;
}

export function setBit(b: Bits, i: number): void {
  b[i >>> 5]! |= 1 << (i & 31);
}

export function clearBit(b: Bits, i: number): void {
  b[i >>> 5]! &= ~(1 << (i & 31));
}

export function popcount(b: Bits): number {
  let n = 0;
  for (let w = 0; w < b.length; w++) {
    let x = b[w]!;
    x -= (x >>> 1) & 0x55555555;
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    n += (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return n;
}

export function isEmpty(b: Bits): boolean {
  for (let w = 0; w < b.length; w++) if (b[w] !== 0) return false;
  return true;
}

/** a ⊆ b */
export function isSubset(a: Bits, b: Bits): boolean {
  for (let w = 0; w < a.length; w++) if ((a[w]! & ~b[w]!) !== 0) return false;
  return true;
}

export function intersects(a: Bits, b: Bits): boolean {
  for (let w = 0; w < a.length; w++) if ((a[w]! & b[w]!) !== 0) return true;
  return false;
}

/** a \ b as a new bitset. */
export function minus(a: Bits, b: Bits): Bits {
  const r = new Uint32Array(a.length);
  for (let w = 0; w < a.length; w++) r[w] = a[w]! & ~b[w]!;
  return r;
}

export function members(b: Bits): number[] {
  const out: number[] = [];
  for (let w = 0; w < b.length; w++) {
    let x = b[w]!;
    while (x !== 0) {
      const low = x & -x;
      out.push(w * 32 + (31 - Math.clz32(low)));
      x ^= low;
    }
  }
  return out;
}

/** True when `b` contains a slice of `q`. */
export function sliceSatisfied(q: CompiledQset, b: Bits): boolean {
  let needed = q.threshold;
  if (needed <= 0) return true;
  const vs = q.validators;
  for (let i = 0; i < vs.length; i++) {
    const v = vs[i]!;
    if ((b[v >>> 5]! & (1 << (v & 31))) !== 0 && --needed === 0) return true;
  }
  for (const s of q.inner) if (sliceSatisfied(s, b) && --needed === 0) return true;
  return false;
}

/**
 * The greatest quorum inside `avail` (empty when none): drop members without a slice inside
 * until none is dropped. The union of quorums is a quorum, so this is every node of `avail`
 * that is in some quorum within `avail`.
 */
export function greatestQuorum(f: CompiledFbas, avail: Bits): Bits {
  const cur = avail.slice();
  let list = members(cur);
  let changed = true;
  while (changed) {
    changed = false;
    const next: number[] = [];
    for (const n of list) {
      if (sliceSatisfied(f.qsets[n]!, cur)) next.push(n);
      else {
        cur[n >>> 5]! &= ~(1 << (n & 31));
        changed = true;
      }
    }
    list = next;
  }
  return cur;
}

/** Whitepaper quorum: non-empty and every member has a slice inside. */
export function isQuorumBits(f: CompiledFbas, b: Bits): boolean {
  const ms = members(b);
  if (ms.length === 0) return false;
  for (const n of ms) if (!sliceSatisfied(f.qsets[n]!, b)) return false;
  return true;
}

/** A quorum is minimal when dropping any one member leaves no quorum inside. */
export function isMinimalQuorum(f: CompiledFbas, q: Bits): boolean {
  const probe = q.slice();
  for (const n of members(q)) {
    clearBit(probe, n);
    const inner = greatestQuorum(f, probe);
    setBit(probe, n);
    if (!isEmpty(inner)) return false;
  }
  return true;
}

/** Every node index named anywhere in a compiled quorum set. */
export function qsetMembers(q: CompiledQset, into: number[] = []): number[] {
  for (const v of q.validators) into.push(v);
  for (const s of q.inner) qsetMembers(s, into);
  return into;
}

/**
 * Strongly connected components (Tarjan, iterative so deep chains cannot overflow the stack) of
 * the trust graph restricted to `within`: an edge v → w when w is named in v's quorum set.
 * A minimal quorum always lies inside one component: the members of a sink component of its
 * own trust graph already have their slices inside that component, so that component is a
 * quorum, and minimality makes it the whole quorum.
 */
export function stronglyConnectedComponents(f: CompiledFbas, within: Bits): Bits[] {
  const n = f.ids.length;
  const adj: number[][] = [];
  for (let v = 0; v < n; v++) adj.push(hasBit(within, v) ? [...new Set(qsetMembers(f.qsets[v]!))].filter((w) => hasBit(within, w)) : []);
  const idx = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const out: Bits[] = [];
  let counter = 0;
  for (const root of members(within)) {
    if (idx[root] !== -1) continue;
    const work: Array<[number, number]> = [[root, 0]];
    idx[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const [v, edge] = top;
      const edges = adj[v]!;
      if (edge < edges.length) {
        top[1] = edge + 1;
        const w = edges[edge]!;
        if (idx[w] === -1) {
          idx[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          work.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v]!, idx[w]!);
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]![0];
        low[parent] = Math.min(low[parent]!, low[v]!);
      }
      if (low[v] === idx[v]) {
        const comp = emptyBits(f);
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          setBit(comp, w);
        } while (w !== v);
        out.push(comp);
      }
    }
  }
  return out;
}

/**
 * The sub-FBAS of the nodes in `within`, re-indexed densely: members outside are dropped from
 * every quorum set without lowering thresholds (they are never available inside `within`).
 * Searches confined to one component then work on bitsets of that component's size.
 */
export function restrictFbas(f: CompiledFbas, within: Bits): {sub: CompiledFbas; toParent: number[]} {
  const toParent = members(within);
  const local = new Map<number, number>(toParent.map((p, i) => [p, i]));
  const map = (q: CompiledQset): CompiledQset => ({
    threshold: q.threshold,
    validators: q.validators.flatMap((v) => {
      const l = local.get(v);
      return l === undefined ? [] : [l];
    }),
    inner: q.inner.map(map),
  });
  const ids = toParent.map((p) => f.ids[p]!);
  return {
    sub: {ids, index: new Map(ids.map((n, i) => [n, i])), qsets: toParent.map((p) => map(f.qsets[p]!)), words: Math.max(1, Math.ceil(ids.length / 32))},
    toParent,
  };
}

/** A bitset of `sub` lifted back to the parent's indices. */
export function liftBits(parent: CompiledFbas, toParent: number[], b: Bits): Bits {
  const out = new Uint32Array(parent.words);
  for (const i of members(b)) setBit(out, toParent[i]!);
  return out;
}
