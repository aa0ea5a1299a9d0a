/**
 * The network analysis (scp/analysis.ts) on the whitepaper's figures, every expectation taken
 * from the paper's text, and against brute force on seeded random networks small enough to try
 * every subset.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {
  allMinimalQuorums,
  analyzeFbas,
  befouledSet,
  checkQuorumIntersection,
  greatestQuorumWithin,
  isDSet,
  isQuorumInFbas,
  minimalQuorums,
  type Fbas,
  type QuorumSet,
} from "../../../src/scp/index.js";

const q = (threshold: number, validators: string[], innerSets: QuorumSet[] = []): QuorumSet => ({threshold, validators, innerSets});
const v = (...ns: number[]): string[] => ns.map((n) => `v${n}`);
const set = (...ns: number[]) => new Set(v(...ns));
const sortIds = (ids: Iterable<string>) => [...ids].sort();
const fbasOf = (entries: [number, QuorumSet][]): Fbas => new Map(entries.map(([n, qs]) => [`v${n}`, qs]));
const range = (a: number, b: number) => Array.from({length: b - a + 1}, (_, i) => a + i);

/** Figure 2: v1's slice {v1,v2,v3}; v2, v3 and v4 each have the single slice {v2,v3,v4}. */
const fig2 = fbasOf([
  [1, q(3, v(1, 2, 3))],
  [2, q(3, v(2, 3, 4))],
  [3, q(3, v(2, 3, 4))],
  [4, q(3, v(2, 3, 4))],
]);

/**
 * Figure 3: top tier v1..v4 "structured like a PBFT system with f = 1" (3 of 4); a middle-tier
 * node's slice is itself and two top-tier nodes; a leaf-tier node's slice is itself and two
 * middle-tier nodes.
 */
const fig3 = fbasOf([
  ...range(1, 4).map((n): [number, QuorumSet] => [n, q(3, v(1, 2, 3, 4))]),
  ...range(5, 8).map((n): [number, QuorumSet] => [n, q(2, v(n), [q(2, v(1, 2, 3, 4))])]),
  ...[9, 10].map((n): [number, QuorumSet] => [n, q(2, v(n), [q(2, v(5, 6, 7, 8))])]),
]);

/** Figure 4: a cycle; each vi's only slice is {vi, vi+1}. */
const fig4 = fbasOf(range(1, 6).map((n) => [n, q(2, v(n, (n % 6) + 1))]));

/** Figure 6: {v1,v2,v3} and {v4,v5,v6} each trust only themselves. */
const fig6 = fbasOf([
  ...range(1, 3).map((n): [number, QuorumSet] => [n, q(3, v(1, 2, 3))]),
  ...range(4, 6).map((n): [number, QuorumSet] => [n, q(3, v(4, 5, 6))]),
]);

/** Figure 7: two quorums {v1,v2,v3,v7} and {v4,v5,v6,v7} "intersect at a single node v7". */
const fig7 = fbasOf([
  ...range(1, 3).map((n): [number, QuorumSet] => [n, q(4, v(1, 2, 3, 7))]),
  ...range(4, 6).map((n): [number, QuorumSet] => [n, q(4, v(4, 5, 6, 7))]),
  [7, q(2, v(7), [q(1, [], [q(3, v(1, 2, 3)), q(3, v(4, 5, 6))])])],
]);

describe("analysis: whitepaper figures", () => {
  it("Figure 2: no agreement without v4, so {v2,v3,v4} is the only minimal quorum and each of its nodes alone halts the network", () => {
    const a = analyzeFbas(fig2);
    assert.equal(a.intersection, true);
    assert.deepEqual(a.minimalQuorums, [v(2, 3, 4)]);
    assert.deepEqual(a.topTier, v(2, 3, 4));
    assert.deepEqual(a.minimalBlockingSets, [["v2"], ["v3"], ["v4"]]);
    assert.deepEqual(a.smallestBlockingSet, ["v2"]);
  });

  it("Figure 3: the top tier is v1..v4; like PBFT with f = 1 any two of them halt everything, one does not", () => {
    const a = analyzeFbas(fig3);
    assert.equal(a.intersection, true);
    assert.deepEqual(a.topTier, v(1, 2, 3, 4));
    assert.equal(a.minimalQuorums.length, 4);
    for (const m of a.minimalQuorums) assert.equal(m.length, 3);
    const pairs = [];
    for (let i = 1; i <= 4; i++) for (let j = i + 1; j <= 4; j++) pairs.push(v(i, j));
    assert.deepEqual(a.minimalBlockingSets, pairs);
    assert.equal(a.smallestBlockingSet.length, 2);
  });

  it("Figure 3 D Sets: {v1}, {v9}, {v6,…,v10} are, {v5,v6} is not, V always is", () => {
    assert.equal(isDSet(fig3, set(1)), true);
    assert.equal(isDSet(fig3, set(9)), true);
    assert.equal(isDSet(fig3, set(6, 7, 8, 9, 10)), true);
    assert.equal(isDSet(fig3, set(5, 6)), false);
    assert.equal(isDSet(fig3, set(...range(1, 10))), true);
  });

  it("Figure 3: the smallest D Set containing v5 and v6 is {v5,v6,v9,v10}; one failed top-tier node befouls nobody else", () => {
    assert.deepEqual(sortIds(befouledSet(fig3, set(5, 6))), sortIds(v(5, 6, 9, 10)));
    assert.equal(isDSet(fig3, set(5, 6, 9, 10)), true);
    assert.deepEqual(sortIds(befouledSet(fig3, set(1))), ["v1"]);
    // "{v6,…,v10} is a D Set because neither v5 nor the top tier depend on any of those".
    assert.deepEqual(sortIds(befouledSet(fig3, set(6, 7, 8))), sortIds(v(6, 7, 8, 9, 10)));
  });

  it("Figure 4: the cycle's only quorum is all six nodes, so any one node halts it", () => {
    const a = analyzeFbas(fig4);
    assert.deepEqual(a.minimalQuorums, [v(1, 2, 3, 4, 5, 6)]);
    assert.deepEqual(a.topTier, v(1, 2, 3, 4, 5, 6));
    assert.deepEqual(a.minimalBlockingSets, range(1, 6).map((n) => [`v${n}`]));
    assert.equal(a.intersection, true);
  });

  it("Figure 6: lacks quorum intersection, with {v1,v2,v3} and {v4,v5,v6} as the witness", () => {
    const a = analyzeFbas(fig6);
    assert.equal(a.intersection, false);
    const [x, y] = a.disjointQuorums!;
    assert.deepEqual([x, y].sort((p, r) => (p[0]! < r[0]! ? -1 : 1)), [v(1, 2, 3), v(4, 5, 6)]);
    assert.ok(isQuorumInFbas(fig6, set(...range(1, 6))), "V is a quorum too, yet intersection fails");
    // Deleting the ill-behaved newcomers restores intersection for v1, v2, v3.
    assert.equal(checkQuorumIntersection(fig6, set(4, 5, 6)).intersects, true);
  });

  it("Figure 7: quorum intersection holds, and is lost once the ill-behaved v7 is deleted", () => {
    assert.equal(analyzeFbas(fig7).intersection, true);
    const r = checkQuorumIntersection(fig7, set(7));
    assert.equal(r.intersects, false);
    assert.deepEqual(r.witness!.map((w) => w.join()).sort(), [v(1, 2, 3).join(), v(4, 5, 6).join()]);
    assert.equal(isDSet(fig7, set(7)), false);
    assert.equal(befouledSet(fig7, set(7)).size, 7, "v7 failing befouls everyone");
  });
});

/** Seeded xorshift so a failure names its network. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

function randomFbas(seed: number): Fbas {
  const r = rng(seed);
  const n = 4 + Math.floor(r() * 5);
  const ids = range(1, n).map((i) => `v${i}`);
  const pickSome = (pool: string[], k: number) => [...pool].sort(() => r() - 0.5).slice(0, k);
  const fbas: Fbas = new Map();
  for (const id of ids) {
    const others = ids.filter((x) => x !== id);
    const direct = [id, ...pickSome(others, 1 + Math.floor(r() * Math.min(4, others.length)))];
    const inner: QuorumSet[] = [];
    if (r() < 0.4) {
      const rest = others.filter((x) => !direct.includes(x));
      if (rest.length >= 2) {
        const members = pickSome(rest, 2 + Math.floor(r() * Math.min(2, rest.length - 1)));
        inner.push(q(Math.ceil(members.length / 2) + Math.floor(r() * (members.length / 2 + 0.5)), members));
      }
    }
    const size = direct.length + inner.length;
    // Mostly majority-or-more thresholds, as operators pick (lower ones everywhere make nearly
    // every node a quorum of its own); some lower ones so that intersection sometimes fails.
    const threshold = r() < 0.3 ? 1 + Math.floor(r() * size) : Math.min(size, Math.floor(size / 2) + 1 + Math.floor(r() * (size / 2)));
    fbas.set(id, q(threshold, direct, inner));
  }
  return fbas;
}

function subsets<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let m = 0; m < 1 << items.length; m++) out.push(items.filter((_, i) => m & (1 << i)));
  return out;
}

/** Everything by definition, over all subsets, on the string-set predicates of quorum.ts. */
function bruteForce(fbas: Fbas) {
  const ids = [...fbas.keys()].sort();
  const all = subsets(ids);
  const quorums = all.filter((s) => isQuorumInFbas(fbas, new Set(s)));
  const minimal = quorums.filter((s) => !quorums.some((o) => o.length < s.length && o.every((x) => s.includes(x))));
  const blocks = (b: string[]) => greatestQuorumWithin(ids.filter((x) => !b.includes(x)), (n) => fbas.get(n)).size === 0;
  const blocking = all.filter(blocks);
  const minimalBlocking = blocking.filter((s) => !blocking.some((o) => o.length < s.length && o.every((x) => s.includes(x))));
  let intersection = true;
  for (const a of quorums) for (const b of quorums) if (!a.some((x) => b.includes(x))) intersection = false;
  const quorumsAfter = (deleted: string[]) =>
    all.filter((s) => s.length > 0 && !s.some((x) => deleted.includes(x)) && isQuorumInFbas(fbas, new Set(s), new Set(deleted)));
  const isDSetByDefinition = (b: string[]) => {
    if (b.length === ids.length) return true;
    if (!isQuorumInFbas(fbas, new Set(ids.filter((x) => !b.includes(x))))) return false;
    const qs = quorumsAfter(b);
    return qs.every((x) => qs.every((y) => x.some((n) => y.includes(n))));
  };
  return {ids, all, minimal, minimalBlocking, intersection, isDSetByDefinition};
}

describe("analysis: against brute force on 150 seeded random networks of 4-8 nodes", () => {
  const canon = (sets: string[][]) => sets.map((s) => [...s].sort().join(",")).sort();
  for (let seed = 1; seed <= 150; seed++) {
    it(`seed ${seed}`, () => {
      const fbas = randomFbas(seed);
      const bf = bruteForce(fbas);
      const a = analyzeFbas(fbas);
      assert.deepEqual(canon(a.minimalQuorums), canon(bf.minimal), "minimal quorums");
      assert.deepEqual(canon(allMinimalQuorums(fbas)), canon(bf.minimal));
      // The string-set reference enumeration of quorum.ts agrees too.
      assert.deepEqual(canon(minimalQuorums(fbas).quorums.map((s) => [...s])), canon(bf.minimal));
      assert.equal(a.intersection, bf.intersection, "intersection");
      if (!a.intersection) {
        const [x, y] = a.disjointQuorums!;
        assert.ok(isQuorumInFbas(fbas, new Set(x)) && isQuorumInFbas(fbas, new Set(y)), "witnesses are quorums");
        assert.ok(!x.some((n) => y.includes(n)), "witnesses are disjoint");
      }
      assert.deepEqual(canon(a.minimalBlockingSets), canon(bf.minimalBlocking), "minimal blocking sets");
      assert.equal(a.smallestBlockingSet.length, Math.min(...bf.minimalBlocking.map((s) => s.length)));
      assert.deepEqual(a.topTier, [...new Set(bf.minimal.flat())].sort(), "top tier");
      // D Sets and befouled nodes for a few ill-behaved sets, by definition.
      const r = rng(seed * 7919);
      for (let k = 0; k < 3; k++) {
        const ill = bf.ids.filter(() => r() < 0.25);
        const dsets = bf.all.filter((b) => ill.every((x) => b.includes(x)) && bf.isDSetByDefinition(b));
        assert.equal(isDSet(fbas, new Set(ill)), bf.isDSetByDefinition(ill), `D Set ${ill.join()}`);
        const expected = bf.ids.filter((n) => dsets.every((b) => b.includes(n)));
        assert.deepEqual(sortIds(befouledSet(fbas, new Set(ill))), expected, `befouled given ${ill.join()}`);
      }
    });
  }
});

describe("analysis: the random networks above are varied enough to mean something", () => {
  it("some lack intersection, some intersect with several minimal quorums", () => {
    let split = 0;
    let rich = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const a = analyzeFbas(randomFbas(seed));
      if (!a.intersection) split++;
      else if (a.minimalQuorums.length >= 2) rich++;
    }
    assert.ok(split >= 15, `${split} networks without intersection`);
    assert.ok(rich >= 15, `${rich} intersecting networks with several minimal quorums`);
  });
});
