import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {
  befouledNodes,
  checkQuorumSetSanity,
  findClosestVBlocking,
  hasQuorumIntersection,
  isDispensableSet,
  isIntact,
  isQuorum,
  isQuorumInFbas,
  isQuorumSlice,
  isVBlocking,
  minimalQuorums,
  quorumSetHash,
  decodeEnvelope,
  encodeEnvelope,
  encodeStatement,
  type Fbas,
  type QuorumSet,
} from "../../../src/scp/index.js";
import {testKeypair} from "./harness.js";

const q = (threshold: number, validators: string[], innerSets: QuorumSet[] = []): QuorumSet => ({threshold, validators, innerSets});
const v = (...ns: number[]): string[] => ns.map((n) => `v${n}`);
const set = (...ns: number[]) => new Set(v(...ns));
const sorted = (s: Set<string>) => [...s].sort();
const fbasOf = (entries: [number, QuorumSet][]): Fbas => new Map(entries.map(([n, qs]) => [`v${n}`, qs]));

/** Whitepaper Figure 2: v1's slice {v1,v2,v3}; v2, v3, v4 each have the slice {v2,v3,v4}. */
const fig2 = fbasOf([
  [1, q(3, v(1, 2, 3))],
  [2, q(3, v(2, 3, 4))],
  [3, q(3, v(2, 3, 4))],
  [4, q(3, v(2, 3, 4))],
]);

/**
 * Whitepaper Figure 3, tiered: top tier v1..v4 any 3 of 4; middle tier v5..v8 itself plus any
 * 2 top-tier nodes; leaf tier v9, v10 itself plus any 2 middle-tier nodes.
 */
const top = q(2, v(1, 2, 3, 4));
const middle = q(2, v(5, 6, 7, 8));
const fig3 = fbasOf([
  ...[1, 2, 3, 4].map((n): [number, QuorumSet] => [n, q(3, v(1, 2, 3, 4))]),
  ...[5, 6, 7, 8].map((n): [number, QuorumSet] => [n, q(2, v(n), [top])]),
  ...[9, 10].map((n): [number, QuorumSet] => [n, q(2, v(n), [middle])]),
]);

/** Whitepaper Figure 4, cyclic: each vi's only slice is {vi, vi+1}. */
const fig4 = fbasOf([1, 2, 3, 4, 5, 6].map((n) => [n, q(2, v(n, (n % 6) + 1))]));

/** Whitepaper Figure 6: two triangles {v1,v2,v3} and {v4,v5,v6} with no link between them. */
const fig6 = fbasOf([
  ...[1, 2, 3].map((n): [number, QuorumSet] => [n, q(3, v(1, 2, 3))]),
  ...[4, 5, 6].map((n): [number, QuorumSet] => [n, q(3, v(4, 5, 6))]),
]);

/** Whitepaper Figure 7: the two sides' quorums meet only at v7, which has a slice on each side. */
const fig7 = fbasOf([
  ...[1, 2, 3].map((n): [number, QuorumSet] => [n, q(4, v(1, 2, 3, 7))]),
  ...[4, 5, 6].map((n): [number, QuorumSet] => [n, q(4, v(4, 5, 6, 7))]),
  [7, q(2, v(7), [q(1, [], [q(3, v(1, 2, 3)), q(3, v(4, 5, 6))])])],
]);

describe("whitepaper FBA examples", () => {
  it("Figure 2: {v2,v3,v4} is a quorum, {v1,v2,v3} is not, and v1's only quorum is all nodes", () => {
    assert.ok(isQuorumSlice(fig2.get("v1")!, set(1, 2, 3)));
    assert.ok(isQuorumInFbas(fig2, set(2, 3, 4)));
    assert.ok(!isQuorumInFbas(fig2, set(1, 2, 3)));
    assert.ok(isQuorumInFbas(fig2, set(1, 2, 3, 4)));
    const mq = minimalQuorums(fig2).quorums.map(sorted);
    assert.deepEqual(mq, [v(2, 3, 4)]);
    // Quorums containing v1: only V (v1 needs v2, v3, which need v4).
    const withV1 = [set(1, 2, 3), set(1, 2, 4), set(1, 3, 4), set(1, 2, 3, 4)].filter((s) => isQuorumInFbas(fig2, s));
    assert.deepEqual(withV1.map(sorted), [v(1, 2, 3, 4)]);
    // Draft-style check from v1's point of view, with the fixpoint over the others' slices.
    assert.ok(!isQuorum(fig2.get("v1")!, v(1, 2, 3), (n) => fig2.get(n)));
    assert.ok(isQuorum(fig2.get("v1")!, v(1, 2, 3, 4), (n) => fig2.get(n)));
    assert.ok(hasQuorumIntersection(fig2).intersects);
  });

  it("Figure 3: leaf tier blocked when v6, v7, v8 crash; top tier and v5 are not", () => {
    const crashed = set(6, 7, 8);
    assert.ok(isVBlocking(fig3.get("v9")!, crashed));
    assert.ok(isVBlocking(fig3.get("v10")!, crashed));
    assert.ok(!isVBlocking(fig3.get("v5")!, crashed));
    assert.ok(!isVBlocking(fig3.get("v1")!, crashed));
    // v9 and v10 may use disjoint slices {v5,v6} and {v7,v8}, yet both depend on the top tier.
    assert.ok(isQuorumSlice(fig3.get("v9")!, set(9, 5, 6)));
    assert.ok(isQuorumSlice(fig3.get("v10")!, set(10, 7, 8)));
    assert.ok(!isQuorumInFbas(fig3, set(9, 5, 6)));
    assert.ok(isQuorumInFbas(fig3, set(9, 5, 6, 1, 2, 3)));
    // Every minimal quorum is 3 of the top tier, so quorum intersection holds.
    const mq = minimalQuorums(fig3).quorums.map(sorted);
    assert.equal(mq.length, 4);
    for (const m of mq) assert.equal(m.length, 3);
    assert.ok(hasQuorumIntersection(fig3).intersects);
  });

  it("Figure 3 D Sets: {v1}, {v9}, {v6..v10} are D Sets, {v5,v6} is not", () => {
    assert.ok(isDispensableSet(fig3, set(1)));
    assert.ok(isDispensableSet(fig3, set(9)));
    assert.ok(isDispensableSet(fig3, set(6, 7, 8, 9, 10)));
    assert.ok(!isDispensableSet(fig3, set(5, 6)));
    assert.ok(isDispensableSet(fig3, set(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)), "V is always a D Set");
  });

  it("Figure 3: the smallest D Set containing v5 and v6 is {v5,v6,v9,v10} (befouled nodes)", () => {
    assert.deepEqual(sorted(befouledNodes(fig3, set(5, 6))), v(10, 5, 6, 9).sort());
    assert.ok(isIntact(fig3, set(5, 6), "v1"));
    assert.ok(!isIntact(fig3, set(5, 6), "v9"));
    // One failed top-tier node befouls nobody else.
    assert.deepEqual(sorted(befouledNodes(fig3, set(1))), ["v1"]);
  });

  it("Figure 4: the cyclic system's only quorum is all six nodes", () => {
    const mq = minimalQuorums(fig4).quorums.map(sorted);
    assert.deepEqual(mq, [v(1, 2, 3, 4, 5, 6)]);
    assert.ok(!isQuorumInFbas(fig4, set(1, 2, 3)));
  });

  it("Figure 6: two disjoint quorums, so no quorum intersection although V is a quorum", () => {
    assert.ok(isQuorumInFbas(fig6, set(1, 2, 3)));
    assert.ok(isQuorumInFbas(fig6, set(4, 5, 6)));
    assert.ok(isQuorumInFbas(fig6, set(1, 2, 3, 4, 5, 6)));
    const res = hasQuorumIntersection(fig6);
    assert.equal(res.intersects, false);
    const [a, b] = res.witness!;
    assert.ok([...a].every((n) => !b.has(n)), "witness quorums are disjoint");
    // Deleting the newcomers v4..v6 restores intersection for v1..v3.
    assert.ok(hasQuorumIntersection(fig6, {deleted: set(4, 5, 6)}).intersects);
  });

  it("Figure 7: quorums meet only at v7; deleting an ill-behaved v7 breaks intersection", () => {
    assert.ok(isQuorumInFbas(fig7, set(1, 2, 3, 7)));
    assert.ok(isQuorumInFbas(fig7, set(4, 5, 6, 7)));
    assert.ok(hasQuorumIntersection(fig7).intersects);
    assert.equal(hasQuorumIntersection(fig7, {deleted: set(7)}).intersects, false);
    // No protocol can protect anyone here: v7 failing befouls the whole system.
    assert.equal(befouledNodes(fig7, set(7)).size, 7);
  });

  it("Figure 9: in a 3-of-4 system any two nodes are v-blocking, one is not", () => {
    const qs = q(3, v(1, 2, 3, 4));
    assert.ok(isVBlocking(qs, set(1, 2)));
    assert.ok(!isVBlocking(qs, set(1)));
    assert.ok(!isVBlocking(qs, new Set()));
    assert.deepEqual(findClosestVBlocking(qs, set(1, 2, 3))?.length, 2);
    assert.equal(findClosestVBlocking(qs, set(1)), undefined);
  });

  it("unanimity (Q(v) = {V}): every single node is v-blocking for every node", () => {
    const qs = q(4, v(1, 2, 3, 4));
    for (const n of [1, 2, 3, 4]) assert.ok(isVBlocking(qs, set(n)));
  });

  it("nested sets: blocking counts inner sets, closest v-blocking picks the cheapest members", () => {
    // 2 of {a, {2 of b,c,d}, {1 of e,f}}: blocking needs 2 of the 3 members.
    const qs = q(2, ["a"], [q(2, ["b", "c", "d"]), q(1, ["e", "f"])]);
    assert.ok(!isVBlocking(qs, new Set(["a"])));
    assert.ok(isVBlocking(qs, new Set(["a", "b", "c"])));
    assert.ok(!isVBlocking(qs, new Set(["a", "e"])));
    assert.ok(isVBlocking(qs, new Set(["a", "e", "f"])));
    assert.deepEqual(findClosestVBlocking(qs, new Set(["a", "b", "c", "d", "e", "f"]))?.sort(), ["a", "b", "c"]);
    assert.ok(isQuorumSlice(qs, new Set(["a", "e"])));
    assert.ok(!isQuorumSlice(qs, new Set(["b", "c"])));
  });
});

describe("quorum set sanity and hashing", () => {
  const ids = [0, 1, 2, 3].map((i) => testKeypair(i).publicKey());
  it("accepts well-formed sets and rejects bad thresholds, duplicates, deep nesting", () => {
    assert.ok(checkQuorumSetSanity(q(3, ids)).ok);
    assert.equal(checkQuorumSetSanity(q(0, ids)).ok, false);
    assert.equal(checkQuorumSetSanity(q(5, ids)).ok, false);
    assert.equal(checkQuorumSetSanity(q(2, [ids[0]!], [q(1, [ids[0]!])])).ok, false);
    let deep = q(1, [ids[0]!]);
    for (let d = 0; d < 4; d++) deep = q(1, [], [deep]);
    assert.ok(checkQuorumSetSanity(deep).ok, "depth 4 is allowed");
    assert.equal(checkQuorumSetSanity(q(1, [], [deep])).ok, false, "depth 5 is not");
  });

  it("hash is canonical: member order does not matter, content does", () => {
    const a = quorumSetHash(q(2, ids));
    const b = quorumSetHash(q(2, [...ids].reverse()));
    assert.deepEqual(a, b);
    assert.notDeepEqual(quorumSetHash(q(3, ids)), a);
    const inner1 = q(1, [ids[0]!, ids[1]!]);
    const inner2 = q(2, [ids[2]!, ids[3]!]);
    assert.deepEqual(quorumSetHash(q(2, [], [inner1, inner2])), quorumSetHash(q(2, [], [inner2, inner1])));
    assert.equal(a.length, 32);
  });
});

describe("envelope codec", () => {
  it("round-trips every statement type byte for byte", () => {
    const node = testKeypair(0).publicKey();
    const val = Buffer.from("value");
    const pledges = [
      {type: "nominate" as const, voted: [Buffer.from("a")], accepted: [Buffer.from("b")]},
      {type: "prepare" as const, ballot: {counter: 3, value: val}, prepared: {counter: 2, value: val}, preparedPrime: null, nC: 1, nH: 2},
      {type: "confirm" as const, ballot: {counter: 4, value: val}, nPrepared: 4, nCommit: 2, nH: 4},
      {type: "externalize" as const, commit: {counter: 2, value: val}, nH: 4},
    ];
    for (const p of pledges) {
      const env = {statement: {nodeId: node, slotIndex: 7, quorumSetHash: Buffer.alloc(32, 1), pledges: p}, signature: Buffer.alloc(64, 2)};
      const back = decodeEnvelope(encodeEnvelope(env));
      assert.deepEqual(back, env);
      assert.deepEqual(encodeStatement(back.statement), encodeStatement(env.statement));
    }
    assert.throws(() => decodeEnvelope(Buffer.from([0x92, 0x01, 0x02])), {code: "scp_malformed_envelope"});
  });
});
