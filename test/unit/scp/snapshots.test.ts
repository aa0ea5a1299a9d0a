import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {readFileSync, readdirSync} from "node:fs";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import {
  checkQuorumSetSanity,
  findDisjointQuorums,
  isQuorumInFbas,
  greatestQuorumWithin,
  hasQuorumIntersection,
  minimalQuorums,
  parseStellarbeatNodes,
  analyzeFbas,
  befouledSet,
  checkQuorumIntersection,
  type Fbas,
  type FbasAnalysis,
  type StellarbeatNode,
} from "../../../src/scp/index.js";

/**
 * CI checks the shared folder out beside the repository, so the snapshots are at
 * `../shared/fbas-snapshots` from the repository root. This file runs as
 * dist/test/unit/scp/snapshots.test.js, four levels below the root.
 */
const DIR = fileURLToPath(new URL("../../../../../shared/fbas-snapshots/", import.meta.url));
const load = (name: string): Fbas => parseStellarbeatNodes(JSON.parse(readFileSync(join(DIR, name), "utf8")) as StellarbeatNode[]);
const files = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort();

describe("stellarbeat snapshots", () => {
  it("finds the snapshot files (an empty folder would leave the checks below with nothing to check)", () => {
    for (const f of ["stellar_2018-05-10.json", "stellar_2018-06-01.json", "stellar_2019-09-17.json", "stellar_2020-01-16_edited.json"]) {
      assert.ok(files.includes(f), `${f} in ${DIR}`);
    }
  });

  for (const f of files) {
    it(`${f}: validators parse, quorum sets are sane, a non-empty greatest quorum exists`, () => {
      const fbas = load(f);
      assert.ok(fbas.size >= 20, `${f}: ${fbas.size} validators`);
      for (const [node, qs] of fbas) {
        const r = checkQuorumSetSanity(qs);
        assert.ok(r.ok, `${f} ${node}: ${r.ok ? "" : r.reason}`);
      }
      const greatest = greatestQuorumWithin(fbas.keys(), (n) => fbas.get(n));
      assert.ok(greatest.size > 0, `${f}: no quorum at all`);
      // Fixpoint property: every member of the greatest quorum has a slice inside it.
      const again = greatestQuorumWithin(greatest, (n) => fbas.get(n));
      assert.equal(again.size, greatest.size);
    });
  }

  it("stellar_2018-05-10: exact analysis: three 2-node minimal quorums, all intersecting", () => {
    const fbas = load("stellar_2018-05-10.json");
    const mq = minimalQuorums(fbas);
    assert.ok(mq.complete);
    assert.equal(mq.quorums.length, 3);
    for (const a of mq.quorums) for (const b of mq.quorums) assert.ok([...a].some((n) => b.has(n)));
    assert.equal(hasQuorumIntersection(fbas).intersects, true);
    assert.equal(findDisjointQuorums(fbas), undefined);
  });

  it("stellar_2018-06-01: exact analysis finds two disjoint 2-node quorums", () => {
    const fbas = load("stellar_2018-06-01.json");
    const mq = minimalQuorums(fbas);
    assert.ok(mq.complete);
    assert.equal(mq.quorums.length, 4);
    const res = hasQuorumIntersection(fbas);
    assert.equal(res.intersects, false);
    const [a, b] = res.witness!;
    assert.ok(isQuorumInFbas(fbas, a) && isQuorumInFbas(fbas, b), "both sides are quorums");
    assert.ok([...a].every((n) => !b.has(n)), "and they are disjoint");
  });
});

/**
 * Checks a full analysis without trusting its search:
 * 1. every reported minimal quorum is a quorum and loses that property without any one member,
 *    and every reported blocking set leaves no quorum in the rest and is minimal, both on the
 *    string-set predicates of quorum.ts;
 * 2. that makes the minimal quorums complete: a missed minimal quorum Q would be met by every
 *    reported blocking set (they all block), so Q would be a hitting set of the blocking sets
 *    and contain a minimal one, which (transversal duality) is a reported minimal quorum:
 *    a quorum strictly inside the minimal quorum Q, impossible;
 * 3. the blocking sets are then checked complete by brute force over every subset of the top
 *    tier: a subset blocks iff its complement contains no minimal quorum, computed for all
 *    subsets at once by marking supersets of the minimal quorums (a zeta transform);
 * 4. intersection: every pair of minimal quorums meets, or the witness is two disjoint quorums.
 */
function verifyAnalysis(fbas: Fbas, a: FbasAnalysis): void {
  const ids = [...fbas.keys()];
  const qsetOf = (n: string) => fbas.get(n);
  for (const m of a.minimalQuorums) {
    assert.ok(isQuorumInFbas(fbas, new Set(m)), `${m} is a quorum`);
    for (const n of m) assert.equal(greatestQuorumWithin(m.filter((x) => x !== n), qsetOf).size, 0, `${m} is minimal`);
  }
  const blocks = (b: string[]) => greatestQuorumWithin(ids.filter((x) => !b.includes(x)), qsetOf).size === 0;
  for (const b of a.minimalBlockingSets) {
    assert.ok(blocks(b), `${b} blocks`);
    for (const n of b) assert.ok(!blocks(b.filter((x) => x !== n)), `${b} is minimal`);
  }
  assert.deepEqual(a.topTier, [...new Set(a.minimalQuorums.flat())].sort());
  const tier = a.topTier;
  assert.ok(tier.length <= 24, "brute force over the top tier stays small");
  const bit = new Map(tier.map((n, i) => [n, 1 << i]));
  const mask = (s: string[]) => s.reduce((m, n) => m | bit.get(n)!, 0);
  const full = (1 << tier.length) - 1;
  const holdsQuorum = new Uint8Array(1 << tier.length);
  for (const m of a.minimalQuorums) holdsQuorum[mask(m)] = 1;
  for (let i = 0; i < tier.length; i++) {
    for (let s = 0; s <= full; s++) if (s & (1 << i)) holdsQuorum[s] ||= holdsQuorum[s ^ (1 << i)]!;
  }
  const isBlocking = (s: number) => holdsQuorum[full & ~s] === 0;
  const brute: number[] = [];
  for (let s = 0; s <= full; s++) {
    if (!isBlocking(s)) continue;
    let minimal = true;
    for (let i = 0; i < tier.length && minimal; i++) if (s & (1 << i) && isBlocking(s ^ (1 << i))) minimal = false;
    if (minimal) brute.push(s);
  }
  assert.deepEqual(a.minimalBlockingSets.map(mask).sort((x, y) => x - y), brute.sort((x, y) => x - y), "blocking sets complete");
  if (a.intersection) {
    const ms = a.minimalQuorums.map(mask);
    for (let i = 0; i < ms.length; i++) for (let j = i + 1; j < ms.length; j++) assert.ok((ms[i]! & ms[j]!) !== 0, "minimal quorums meet");
    assert.equal(a.disjointQuorums, null);
  } else {
    const [x, y] = a.disjointQuorums!;
    assert.ok(isQuorumInFbas(fbas, new Set(x)) && isQuorumInFbas(fbas, new Set(y)), "both sides are quorums");
    assert.ok(!x.some((n) => y.includes(n)), "and they are disjoint");
  }
}

const spread = (sets: string[][]) => {
  const sizes = sets.map((s) => s.length);
  return {count: sets.length, min: Math.min(...sizes), max: Math.max(...sizes), total: sizes.reduce((x, y) => x + y, 0)};
};

describe("stellarbeat snapshots: exact analysis (scp/analysis.ts) on every crawl", () => {
  it("stellar_2018-05-10: intersection; three 2-node minimal quorums, as the reference enumeration finds", () => {
    const fbas = load("stellar_2018-05-10.json");
    const a = analyzeFbas(fbas);
    verifyAnalysis(fbas, a);
    assert.equal(a.intersection, true);
    const reference = minimalQuorums(fbas).quorums.map((s) => [...s].sort().join()).sort();
    assert.deepEqual(a.minimalQuorums.map((m) => m.join()).sort(), reference);
    assert.equal(a.topTier.length, 3);
    assert.deepEqual(spread(a.minimalBlockingSets), {count: 3, min: 2, max: 2, total: 6});
  });

  it("stellar_2018-06-01: no intersection; two disjoint 2-node quorums", () => {
    const fbas = load("stellar_2018-06-01.json");
    const a = analyzeFbas(fbas);
    verifyAnalysis(fbas, a);
    assert.equal(a.intersection, false);
    assert.deepEqual(a.disjointQuorums!.map((w) => w.length), [2, 2]);
    const reference = minimalQuorums(fbas).quorums.map((s) => [...s].sort().join()).sort();
    assert.deepEqual(a.minimalQuorums.map((m) => m.join()).sort(), reference);
    assert.equal(a.topTier.length, 4);
  });

  // The figures below match those fbas_analyzer publishes for the same crawls (its test suite:
  // top tier size, blocking set sizes min/max/mean, minimal quorum sizes min/max/mean); the
  // checks in verifyAnalysis establish them independently.
  it("stellar_2019-09-17: intersection; 1161 minimal quorums, a 17-node top tier, 174 minimal blocking sets of 4-5 nodes", () => {
    const fbas = load("stellar_2019-09-17.json");
    const a = analyzeFbas(fbas);
    verifyAnalysis(fbas, a);
    assert.equal(a.intersection, true);
    assert.equal(a.topTier.length, 17);
    assert.deepEqual(spread(a.minimalQuorums), {count: 1161, min: 8, max: 9, total: 10368});
    assert.deepEqual(spread(a.minimalBlockingSets), {count: 174, min: 4, max: 5, total: 816});
    assert.equal(a.smallestBlockingSet.length, 4);
    assert.equal(checkQuorumIntersection(fbas).intersects, true);
  });

  it("stellar_2020-01-16_edited: the hand edit broke intersection; 4294 minimal quorums, a 22-node top tier, 480 blocking sets of 5-6 nodes", () => {
    const fbas = load("stellar_2020-01-16_edited.json");
    const a = analyzeFbas(fbas);
    verifyAnalysis(fbas, a);
    assert.equal(a.intersection, false);
    assert.equal(a.topTier.length, 22);
    assert.deepEqual(spread(a.minimalQuorums), {count: 4294, min: 2, max: 11, total: 46982});
    assert.deepEqual(spread(a.minimalBlockingSets), {count: 480, min: 5, max: 6, total: 2700});
    assert.equal(a.smallestBlockingSet.length, 5);
    // Intact nodes are the complement of the intersection of all D Sets here (no Theorem 2
    // without intersection), which needs every subset tried: refused with a clear error.
    assert.throws(() => befouledSet(fbas, new Set(a.smallestBlockingSet.slice(0, 2))), {
      code: "scp_analysis_too_large",
      message: /without quorum intersection need all 2\^\d+ subsets/,
    });
    const w = checkQuorumIntersection(fbas).witness!;
    assert.ok(isQuorumInFbas(fbas, new Set(w[0])) && isQuorumInFbas(fbas, new Set(w[1])));
    assert.ok(!w[0].some((n) => w[1].includes(n)));
  });
});
