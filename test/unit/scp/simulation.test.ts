import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Network, statementDigest, testKeypair} from "./harness.js";
import type {NodeId, QuorumSet} from "../../../src/scp/index.js";

const SLOT = 2;
const PREV = Buffer.from("genesis");

function symmetric(n: number, threshold: number, seed?: number): {net: Network; ids: NodeId[]} {
  const net = new Network(seed === undefined ? {} : {seed});
  const kps = Array.from({length: n}, (_, i) => testKeypair(i));
  const ids = kps.map((k) => k.publicKey());
  const qset: QuorumSet = {threshold, validators: ids, innerSets: []};
  for (const kp of kps) net.addNode(kp, qset);
  return {net, ids};
}

describe("SCP simulation", () => {
  it("a standalone node (quorum {1, [self]}) externalizes inside nominate()", () => {
    const {net, ids} = symmetric(1, 1);
    const scp = net.nodes.get(ids[0]!)!;
    scp.nominate(SLOT, Buffer.from("tx-set-A"), PREV);
    assert.deepEqual(scp.getExternalizedValue(SLOT), Buffer.from("tx-set-A"));
    assert.deepEqual(net.externalizedOn(SLOT), [Buffer.from("tx-set-A")]);
    // Same path as a network: nomination, then the ballot protocol's EXTERNALIZE statement.
    const own = scp.getLatestMessages(SLOT).map((e) => e.statement.pledges);
    assert.deepEqual(own.map((p) => p.type).sort(), ["externalize", "nominate"]);
    const ext = own.find((p) => p.type === "externalize");
    assert.ok(ext && ext.type === "externalize");
    assert.equal(ext.commit.counter, 1);
    assert.ok(net.emitted.some((e) => e.env.statement.pledges.type === "externalize"));
    assert.equal(net.pendingTimers(), 0, "externalizing cancels the slot's timers");
    // Consecutive slots keep working.
    scp.nominate(SLOT + 1, Buffer.from("tx-set-B"), Buffer.from("tx-set-A"));
    assert.deepEqual(scp.getExternalizedValue(SLOT + 1), Buffer.from("tx-set-B"));
  });
});

describe("SCP simulation: 4 nodes, threshold 3", () => {
  it("all nodes externalize the same value when each proposes a different one", () => {
    const {net, ids} = symmetric(4, 3);
    ids.forEach((id, i) => net.nodes.get(id)!.nominate(SLOT, Buffer.from(`value-${i}`), PREV));
    net.run(() => net.externalizedOn(SLOT).every((v) => v !== undefined));
    const vals = net.externalizedOn(SLOT);
    assert.ok(vals.every((v) => v !== undefined), "every node externalized");
    for (const v of vals) assert.deepEqual(v, vals[0]);
    assert.ok(/^value-[0-3]$/.test(vals[0]!.toString()), "the outcome is one of the proposals");
    assert.equal(net.invalidEnvelopes, 0);
  });

  it("the same value everywhere when all propose it", () => {
    const {net, ids} = symmetric(4, 3);
    for (const id of ids) net.nodes.get(id)!.nominate(SLOT, Buffer.from("same"), PREV);
    net.run(() => net.externalizedOn(SLOT).every((v) => v !== undefined));
    assert.deepEqual(net.externalizedOn(SLOT), ids.map(() => Buffer.from("same")));
  });

  for (const silent of [0, 1, 2, 3]) {
    it(`with node ${silent} crashed the other three still externalize`, () => {
      const {net, ids} = symmetric(4, 3);
      net.crashed.add(ids[silent]!);
      const live = ids.filter((_, i) => i !== silent);
      ids.forEach((id, i) => {
        if (i !== silent) net.nodes.get(id)!.nominate(SLOT, Buffer.from(`value-${i}`), PREV);
      });
      net.run(() => net.externalizedOn(SLOT, live).every((v) => v !== undefined), 500);
      const vals = net.externalizedOn(SLOT, live);
      assert.ok(vals.every((v) => v !== undefined), `live nodes externalized (crashed ${silent})`);
      for (const v of vals) assert.deepEqual(v, vals[0]);
      assert.equal(net.externalized.get(ids[silent]!)!.size, 0);
    });
  }

  it("a 2+2 partition leaves no quorum: nobody externalizes", () => {
    const {net, ids} = symmetric(4, 3);
    net.partition = [ids.slice(0, 2), ids.slice(2)];
    ids.forEach((id, i) => net.nodes.get(id)!.nominate(SLOT, Buffer.from(`value-${i}`), PREV));
    net.run(() => false, 60);
    assert.deepEqual(net.externalizedOn(SLOT), [undefined, undefined, undefined, undefined]);
    // Healing the partition lets the protocol finish on the same value everywhere.
    net.partition = null;
    for (const id of ids) {
      const scp = net.nodes.get(id)!;
      // Peers re-send their latest statements on reconnection (overlay behaviour).
      for (const other of ids) {
        if (other === id) continue;
        for (const env of net.nodes.get(other)!.getLatestMessages(SLOT)) {
          if (env.statement.nodeId === other) scp.receiveEnvelope(env);
        }
      }
    }
    net.run(() => net.externalizedOn(SLOT).every((v) => v !== undefined), 500);
    const vals = net.externalizedOn(SLOT);
    assert.ok(vals.every((v) => v !== undefined), "externalized after healing");
    for (const v of vals) assert.deepEqual(v, vals[0]);
  });

  it("random delivery orders still give agreement", () => {
    for (let k = 0; k < 6; k++) {
      const seed = 1000 + k * 7919;
      const {net, ids} = symmetric(4, 3, seed);
      ids.forEach((id, i) => net.nodes.get(id)!.nominate(SLOT, Buffer.from(`v${(i * seed) % 5}`), PREV));
      net.run(() => net.externalizedOn(SLOT).every((v) => v !== undefined), 500);
      const vals = net.externalizedOn(SLOT);
      assert.ok(vals.every((v) => v !== undefined), `seed ${seed}: not all externalized`);
      for (const v of vals) assert.deepEqual(v, vals[0], `seed ${seed}: disagreement`);
    }
  });

  it("rejects envelopes with a bad signature, from unknown quorum sets, and duplicates", () => {
    const {net, ids} = symmetric(4, 3);
    ids.forEach((id, i) => net.nodes.get(id)!.nominate(SLOT, Buffer.from(`x${i}`), PREV));
    const env = net.emitted[0]!.env;
    const sender = ids.indexOf(env.statement.nodeId);
    const b = net.nodes.get(ids[(sender + 1) % 4]!)!;
    const other = ids[(sender + 2) % 4]!;
    const forged = {statement: env.statement, signature: Buffer.from(env.signature)};
    forged.signature[0]! ^= 0xff;
    assert.equal(b.receiveEnvelope(forged), "invalid");
    // Claiming to be another node without its key fails too.
    const impostor = {statement: {...env.statement, nodeId: other}, signature: env.signature};
    assert.equal(b.receiveEnvelope(impostor), "invalid");
    const heard = () => b.getLatestMessages(SLOT).map((e) => e.statement.nodeId);
    assert.ok(!heard().includes(env.statement.nodeId) && !heard().includes(other), "nothing recorded from rejected envelopes");
    assert.equal(b.receiveEnvelope(env), "valid");
    assert.equal(b.receiveEnvelope(env), "invalid", "duplicate ignored");
    // A sender whose quorum set hash the driver cannot resolve is ignored until it can.
    const unknownQ = testKeypair(9);
    const st = {...env.statement, nodeId: unknownQ.publicKey(), quorumSetHash: Buffer.alloc(32, 7)};
    const signed = {statement: st, signature: unknownQ.sign(statementDigest(st))};
    assert.equal(b.receiveEnvelope(signed), "invalid");
  });
});
