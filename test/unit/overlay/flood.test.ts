/** Flooding, backpressure, reconnects and malformed frames over real sockets on 127.0.0.1. */
import {test} from "node:test";
import assert from "node:assert/strict";
import {createHash, randomBytes} from "node:crypto";
import {NodeKey} from "../../../src/util/node-key.js";
import type {OverlayMessage} from "../../../src/overlay/interface.js";
import {RawPeer, counter, startPeer, stopAll, waitFor, type TestPeer} from "./helpers.js";

/** All messages queued by any node have been received by some node (nothing in flight). */
async function quiet(nodes: TestPeer[]): Promise<boolean> {
  let sent = 0;
  let received = 0;
  for (const n of nodes) {
    sent += await counter(n.metrics.overlayMessagesSent);
    received += await counter(n.metrics.overlayMessagesReceived);
  }
  return sent === received;
}

/** Starts nodes where node i dials the nodes in links[i]; waits until every link is authenticated. */
async function network(size: number, links: number[][]): Promise<TestPeer[]> {
  const nodes: TestPeer[] = [];
  for (let i = 0; i < size; i++) nodes.push(await startPeer({}, {reflood: true}));
  // Dialers are fixed at construction: restart each with its peers now that the ports are known.
  const ports = nodes.map((n) => n.overlay.port);
  const keys = nodes.map((n) => n.key);
  await stopAll(nodes);
  nodes.length = 0;
  for (let i = 0; i < size; i++) {
    nodes.push(await startPeer({port: ports[i], peers: links[i]!.map((j) => `127.0.0.1:${ports[j]}`)}, {key: keys[i], reflood: true}));
  }
  const degree = nodes.map(() => 0);
  links.forEach((ls, i) => ls.forEach((j) => (degree[i]++, degree[j]++)));
  await waitFor("all links up", () => nodes.every((n, i) => n.overlay.peers().length === degree[i]));
  return nodes;
}

async function floodOnce(nodes: TestPeer[]): Promise<void> {
  const tx: OverlayMessage = {type: "tx", envelope: randomBytes(200)};
  const scp: OverlayMessage = {type: "scp", envelope: randomBytes(120)};
  nodes[0]!.overlay.broadcast(tx);
  nodes[2]!.overlay.broadcast(scp);
  await waitFor("every node got both", () =>
    nodes.every((n, i) => (i === 0 || n.got.some((g) => g.msg.type === "tx")) && (i === 2 || n.got.some((g) => g.msg.type === "scp"))),
  );
  await waitFor("nothing in flight", () => quiet(nodes));
  nodes.forEach((n, i) => {
    assert.equal(n.got.filter((g) => g.msg.type === "tx").length, i === 0 ? 0 : 1, `node ${i} got the tx once`);
    assert.equal(n.got.filter((g) => g.msg.type === "scp").length, i === 2 ? 0 : 1, `node ${i} got the scp envelope once`);
    for (const g of n.got) assert.ok(g.msg.type === "tx" ? g.msg.envelope.equals((tx as {envelope: Buffer}).envelope) : g.msg.type === "scp");
  });
  // Sending back to the peer it came from is never done: no node sends one message twice on a link.
  const totalSent = (await Promise.all(nodes.map((n) => counter(n.metrics.overlayMessagesSent)))).reduce((a, b) => a + b, 0);
  const links = nodes.reduce((a, n) => a + n.overlay.peers().length, 0) / 2;
  assert.ok(totalSent <= 2 * 2 * links, `at most one copy of each message per link direction (${totalSent} sent over ${links} links)`);
}

test("a flooded tx and SCP envelope reach every node of a line of 4 exactly once", async () => {
  const nodes = await network(4, [[1], [2], [3], []]);
  try {
    await floodOnce(nodes);
    // In a line nobody hears a message twice.
    for (const n of nodes) assert.equal(await counter(n.metrics.overlayFloodDuplicates), 0);
  } finally {
    await stopAll(nodes);
  }
});

test("a flooded tx and SCP envelope reach every node of a ring of 4 exactly once (duplicates suppressed)", async () => {
  const nodes = await network(4, [[1], [2], [3], [0]]);
  try {
    await floodOnce(nodes);
  } finally {
    await stopAll(nodes);
  }
});

test("a peer that stops reading loses the tx bodies it demanded, then is disconnected once a message cannot be dropped", async () => {
  const n = await startPeer({maxQueueBytes: 64 * 1024, maxQueueBytesHard: 4 * 1024 * 1024, advertPeriodMs: 5});
  const slow = new RawPeer(n.overlay.port);
  try {
    await slow.handshake();
    await waitFor("authenticated", () => n.overlay.peers().length === 1);
    const bodies = Array.from({length: 600}, () => randomBytes(60 * 1024));
    for (const b of bodies) n.overlay.broadcast({type: "tx", envelope: b});
    await waitFor("every hash advertised", () => slow.received.filter((m) => m.type === "tx_advert").reduce((a, m) => a + (m.type === "tx_advert" ? m.hashes.length / 32 : 0), 0) === 600);
    slow.socket.pause();
    // Far more than the kernel's loopback buffers plus the soft limit.
    for (let i = 0; i < 600; i += 200) {
      slow.send({type: "tx_demand", hashes: Buffer.concat(bodies.slice(i, i + 200).map((b) => createHash("sha256").update(b).digest()))});
    }
    await waitFor("bodies dropped for the slow peer", async () => (await counter(n.metrics.overlayDropped, {reason: "backpressure"})) > 0);
    assert.equal(n.overlay.peers().length, 1, "dropping tx bodies keeps the peer");
    for (let i = 0; i < 200 && n.overlay.peers().length > 0; i++) n.overlay.broadcast({type: "scp", envelope: randomBytes(60 * 1024)});
    assert.equal(n.overlay.peers().length, 0, "a peer that cannot take SCP messages is cut");
    assert.equal(await counter(n.metrics.overlayDisconnects, {reason: "slow_peer"}), 1);
  } finally {
    await stopAll([slow, n]);
  }
});

test("a node reconnects to a configured peer that restarted", async () => {
  const bKey = NodeKey.random();
  let b = await startPeer({}, {key: bKey});
  const port = b.overlay.port;
  const a = await startPeer({peers: [`127.0.0.1:${port}`]});
  try {
    await waitFor("connected", () => a.overlay.peers().length === 1);
    await b.overlay.stop();
    await waitFor("a saw b go", () => a.overlay.peers().length === 0);
    b = await startPeer({port}, {key: bKey});
    await waitFor("reconnected", () => a.overlay.peers().length === 1 && b.overlay.peers().length === 1);
    assert.equal(a.overlay.peers()[0]!.id, bKey.publicKey);
    a.overlay.broadcast({type: "tx", envelope: Buffer.from("after restart")});
    await waitFor("delivered after reconnect", () => b.got.length === 1);
    assert.ok((await counter(a.metrics.overlayDials)) >= 2);
  } finally {
    await stopAll([a, b]);
  }
});

/** A message object the types would refuse: what a hostile peer sends. */
const loose = (o: Record<string, unknown>): Record<string, unknown> => o;

const MALFORMED: Array<[string, (p: RawPeer) => void]> = [
  ["bytes that are not msgpack", (p) => p.raw(Buffer.from([0, 0, 0, 3, 0xc1, 0xc1, 0xc1]))],
  ["a length prefix past the frame limit", (p) => p.raw(Buffer.from([0x7f, 0xff, 0xff, 0xff]))],
  ["a zero-length frame", (p) => p.raw(Buffer.from([0, 0, 0, 0]))],
  ["an unknown message type", (p) => p.send(loose({type: "gossip", envelope: Buffer.from("x")}))],
  ["a tx whose envelope is a string", (p) => p.send(loose({type: "tx", envelope: "AAAA"}))],
  ["a tx with an extra field", (p) => p.send(loose({type: "tx", envelope: Buffer.from("x"), hop: 1}))],
  ["a hash of 31 bytes", (p) => p.send({type: "get_tx_set", hash: Buffer.alloc(31)})],
  ["get_ledgers with a fractional sequence", (p) => p.send({type: "get_ledgers", from: 1.5, to: 3})],
  ["get_ledgers asking for too many ledgers", (p) => p.send({type: "get_ledgers", from: 1, to: 1000})],
  ["get_ledgers with from after to", (p) => p.send({type: "get_ledgers", from: 9, to: 3})],
  ["ledgers whose items are not bytes", (p) => p.send(loose({type: "ledgers", items: [1, 2]}))],
  ["dont_have of an unknown kind", (p) => p.send(loose({type: "dont_have", what: "everything", key: Buffer.alloc(32)}))],
  ["a status with a negative ledger", (p) => p.send(loose({type: "status", ledger: -1, phase: "prepare", peers: 3}))],
  ["a status whose phase is too long", (p) => p.send(loose({type: "status", ledger: 5, phase: "x".repeat(17), peers: 3}))],
  ["a status with an extra field", (p) => p.send(loose({type: "status", ledger: 5, phase: "prepare", peers: 3, quorum: "all"}))],
  ["a message that is an array", (p) => p.send([1, 2, 3])],
  ["a tx_advert whose hashes are not whole 32-byte hashes", (p) => p.send({type: "tx_advert", hashes: Buffer.alloc(33)})],
  ["a tx_demand of more than 1,000 hashes", (p) => p.send({type: "tx_demand", hashes: Buffer.alloc(32 * 1001)})],
  ["a tx_advert with an extra field", (p) => p.send(loose({type: "tx_advert", hashes: Buffer.alloc(32), ledger: 3}))],
  ["txs with no envelope", (p) => p.send({type: "txs", envelopes: []})],
  ["txs whose envelope is empty", (p) => p.send({type: "txs", envelopes: [Buffer.alloc(0)]})],
  ["a second hello", (p) => p.hello()],
];

for (const [what, sendBad] of MALFORMED) {
  test(`a peer sending ${what} is disconnected, counted and nothing is delivered`, async () => {
    const n = await startPeer();
    const p = new RawPeer(n.overlay.port);
    try {
      await p.handshake();
      await waitFor("authenticated", () => n.overlay.peers().length === 1);
      sendBad(p);
      // A valid message right behind the bad one must not be delivered either.
      p.send({type: "tx", envelope: Buffer.from("after the bad frame")});
      await waitFor("disconnected", () => p.closed);
      assert.equal(await counter(n.metrics.overlayBadFrames), 1);
      assert.equal(n.got.length, 0);
      assert.equal(n.overlay.peers().length, 0);
    } finally {
      await stopAll([p, n]);
    }
  });
}

test("a message before the handshake is a bad frame", async () => {
  const n = await startPeer();
  const p = new RawPeer(n.overlay.port);
  try {
    p.send({type: "tx", envelope: Buffer.from("early")});
    await waitFor("disconnected", () => p.closed);
    assert.equal(await counter(n.metrics.overlayBadFrames), 1);
    assert.equal(n.got.length, 0);
  } finally {
    await stopAll([p, n]);
  }
});

test("every message type crosses the wire intact", async () => {
  const b = await startPeer();
  const a = await startPeer({peers: [`127.0.0.1:${b.overlay.port}`]});
  try {
    await waitFor("connected", () => a.overlay.peers().length === 1);
    const h = randomBytes(32);
    const msgs: OverlayMessage[] = [
      {type: "get_tx_set", hash: h},
      {type: "tx_set", hash: h, body: randomBytes(1000)},
      {type: "get_qset", hash: h},
      {type: "qset", hash: h, body: randomBytes(50)},
      {type: "get_ledgers", from: 2, to: 65},
      {type: "ledgers", items: [randomBytes(10), randomBytes(20)]},
      {type: "dont_have", what: "tx_set", key: h},
      {type: "status", ledger: 4_000_000_000, phase: "confirm", peers: 7},
    ];
    for (const m of msgs) assert.equal(a.overlay.send(b.key.publicKey, m), true);
    assert.equal(a.overlay.send(NodeKey.random().publicKey, msgs[0]!), false, "unknown peer");
    await waitFor("all delivered", () => b.got.length === msgs.length);
    assert.deepEqual(b.got.map((g) => g.msg), msgs);
    assert.ok(b.got.every((g) => g.from === a.key.publicKey));
  } finally {
    await stopAll([a, b]);
  }
});
