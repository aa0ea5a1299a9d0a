/** Pull-mode tx flooding (adverts, demands, bodies) over real sockets on 127.0.0.1. */
import {test} from "node:test";
import assert from "node:assert/strict";
import {createHash, randomBytes} from "node:crypto";
import type {OverlayOptions} from "../../../src/overlay/options.js";
import {RawPeer, counter, startPeer, stopAll, waitFor, type TestPeer} from "./helpers.js";

const sha256 = (b: Buffer): Buffer => createHash("sha256").update(b).digest();

/** Hashes in every frame of `type` a raw peer received. */
function hashesIn(p: RawPeer, type: "tx_advert" | "tx_demand"): string[] {
  const out: string[] = [];
  for (const m of p.received) {
    if (m.type !== type) continue;
    for (let i = 0; i < m.hashes.length; i += 32) out.push(m.hashes.toString("hex", i, i + 32));
  }
  return out;
}

/** A full mesh of `size` nodes (node i dials every j < i), re-flooding what they get as the herder does. */
async function mesh(size: number, opts: Partial<OverlayOptions> = {}): Promise<TestPeer[]> {
  const nodes: TestPeer[] = [];
  for (let i = 0; i < size; i++) {
    nodes.push(await startPeer({...opts, peers: nodes.map((n) => `127.0.0.1:${n.overlay.port}`)}, {reflood: true}));
  }
  await waitFor("all links up", () => nodes.every((n) => n.overlay.peers().length === size - 1));
  return nodes;
}

test("in a full mesh of 4, each tx body reaches each node once, pulled by hash", async () => {
  const nodes = await mesh(4);
  try {
    const txs = Array.from({length: 200}, (_, i) => randomBytes(150 + i));
    for (const envelope of txs) nodes[0]!.overlay.broadcast({type: "tx", envelope});
    await waitFor("every node got every tx", () => nodes.slice(1).every((n) => n.got.filter((g) => g.msg.type === "tx").length === txs.length));
    // Let any stray demand or retry play out before counting.
    await waitFor("no demands outstanding", () => nodes.every((n) => Object.values(n.overlay.pullStats().peers).every((p) => p.incoming === 0 && p.outgoing === 0)));
    const want = new Set(txs.map((t) => t.toString("hex")));
    for (const [i, n] of nodes.entries()) {
      const got = n.got.filter((g) => g.msg.type === "tx").map((g) => (g.msg.type === "tx" ? g.msg.envelope.toString("hex") : ""));
      if (i === 0) {
        assert.equal(got.length, 0, "the origin is not handed its own txs");
        assert.equal(await counter(n.metrics.overlayTxBodies, {direction: "received"}), 0);
        continue;
      }
      assert.deepEqual(new Set(got), want, `node ${i} got every tx`);
      assert.equal(got.length, txs.length, `node ${i} got each tx once`);
      assert.equal(await counter(n.metrics.overlayTxBodies, {direction: "received"}), txs.length, `node ${i} received each body once`);
      assert.equal(await counter(n.metrics.overlayFloodDuplicates, {type: "tx"}), 0, `node ${i} received no duplicate body`);
    }
    // Bodies sent across the mesh: exactly one per receiving node and tx.
    let sent = 0;
    for (const n of nodes) sent += await counter(n.metrics.overlayTxBodies, {direction: "sent"});
    assert.equal(sent, 3 * txs.length);
    // Hashes travel in batches: far fewer advert frames than hashes.
    const advertFrames = await counter(nodes[0]!.metrics.overlayMessagesSent, {type: "tx_advert"});
    assert.ok(advertFrames < txs.length, `${advertFrames} advert frames for ${txs.length} txs to 3 peers`);
  } finally {
    await stopAll(nodes);
  }
});

test("a demand a peer never answers is asked of another peer that advertised the tx", async () => {
  const t = await startPeer({demandPeriodMs: 10, demandBackoffMs: 100});
  const silent = new RawPeer(t.overlay.port);
  const s = await startPeer({peers: [`127.0.0.1:${t.overlay.port}`], advertPeriodMs: 5});
  try {
    await silent.handshake();
    await waitFor("both peers connected", () => t.overlay.peers().length === 2);
    const body = randomBytes(300);
    const h = sha256(body);
    silent.send({type: "tx_advert", hashes: h});
    await waitFor("the silent peer was asked", () => hashesIn(silent, "tx_demand").includes(h.toString("hex")));
    // The silent peer never answers; another peer now has the tx and advertises it.
    s.overlay.broadcast({type: "tx", envelope: body});
    await waitFor("the tx arrived from the other peer", () => t.got.some((g) => g.msg.type === "tx" && g.msg.envelope.equals(body)));
    assert.equal(t.got.find((g) => g.msg.type === "tx")!.from, s.key.publicKey);
    assert.equal(await counter(t.metrics.overlayTxHashes, {kind: "demand_retried"}), 1);
    assert.equal(await counter(s.metrics.overlayTxHashes, {kind: "demand_received"}), 1);
    assert.deepEqual(hashesIn(silent, "tx_demand"), [h.toString("hex")], "the silent peer was asked once");
  } finally {
    await stopAll([silent, s, t]);
  }
});

test("hashes a peer advertises are capped per peer, bodies held are capped, and a peer's queue goes with it", async () => {
  // One demand round at most during the test: the rest of the adverts wait in the queue.
  const t = await startPeer({demandPeriodMs: 600_000, maxAdvertsPerPeer: 2000, maxHeldBodies: 10});
  const p = new RawPeer(t.overlay.port);
  try {
    await p.handshake();
    await waitFor("connected", () => t.overlay.peers().length === 1);
    for (let f = 0; f < 6; f++) p.send({type: "tx_advert", hashes: randomBytes(32 * 1000)});
    await waitFor("6,000 hashes taken in", async () => (await counter(t.metrics.overlayTxHashes, {kind: "advert_received"})) === 6000);
    const queued = t.overlay.pullStats().peers[p.id]!.incoming;
    const demanded = await counter(t.metrics.overlayTxHashes, {kind: "demand_sent"});
    const dropped = await counter(t.metrics.overlayDropped, {reason: "advert_queue_full"});
    assert.equal(queued, 2000, "the queue holds the cap");
    assert.ok(demanded <= 1000, `one demand round at most (${demanded})`);
    assert.equal(queued + demanded + dropped, 6000, "every hash is queued, demanded or dropped");
    // Held bodies: bounded whatever the node accepts.
    for (let i = 0; i < 50; i++) t.overlay.broadcast({type: "tx", envelope: randomBytes(100)});
    const bodies = t.overlay.pullStats().bodies;
    assert.ok(bodies >= 5 && bodies <= 10, `bodies held: ${bodies} (two generations of at most 5)`);
    p.destroy();
    await waitFor("peer gone", () => t.overlay.peers().length === 0);
    assert.equal(t.overlay.pullStats().peers[p.id], undefined, "its queues are freed");
  } finally {
    await stopAll([p, t]);
  }
});

test("a demand for a tx the node does not hold is ignored, and a body nobody demanded is still delivered once", async () => {
  const t = await startPeer({advertPeriodMs: 5});
  const p = new RawPeer(t.overlay.port);
  try {
    await p.handshake();
    await waitFor("connected", () => t.overlay.peers().length === 1);
    const held = randomBytes(200);
    t.overlay.broadcast({type: "tx", envelope: held});
    await waitFor("advertised", () => hashesIn(p, "tx_advert").includes(sha256(held).toString("hex")));
    p.send({type: "tx_demand", hashes: Buffer.concat([randomBytes(32), sha256(held)])});
    await waitFor("the held body came back", () => p.received.some((m) => m.type === "txs"));
    const txs = p.received.filter((m) => m.type === "txs");
    assert.equal(txs.length, 1);
    assert.deepEqual(txs[0]!.type === "txs" ? txs[0]!.envelopes : [], [held], "only the held body, nothing for the unknown hash");
    const pushed = randomBytes(180);
    p.send({type: "txs", envelopes: [pushed, pushed]});
    p.send({type: "tx", envelope: pushed});
    await waitFor("received", async () => (await counter(t.metrics.overlayTxBodies, {direction: "received"})) === 3);
    assert.equal(t.got.filter((g) => g.msg.type === "tx").length, 1, "delivered once");
    assert.equal(await counter(t.metrics.overlayFloodDuplicates, {type: "tx"}), 2);
  } finally {
    await stopAll([p, t]);
  }
});
