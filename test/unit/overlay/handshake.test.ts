/** The handshake over real sockets on 127.0.0.1: who gets in and who is refused. */
import {test} from "node:test";
import assert from "node:assert/strict";
import {createHash} from "node:crypto";
import {NodeKey} from "../../../src/util/node-key.js";
import {authPayload} from "../../../src/overlay/codec.js";
import {parsePeerAddress} from "../../../src/overlay/tcp-overlay.js";
import {NETWORK, RawPeer, counter, freePort, startPeer, stopAll, waitFor} from "./helpers.js";

test("two nodes authenticate each other; each sees the other once, in the right direction", async () => {
  const b = await startPeer();
  const a = await startPeer({peers: [`127.0.0.1:${b.overlay.port}`]});
  try {
    await waitFor("both sides authenticated", () => a.overlay.peers().length === 1 && b.overlay.peers().length === 1);
    assert.deepEqual(a.overlay.peers()[0], {id: b.key.publicKey, address: `127.0.0.1:${b.overlay.port}`, inbound: false});
    assert.equal(b.overlay.peers()[0]!.id, a.key.publicKey);
    assert.equal(b.overlay.peers()[0]!.inbound, true);
    assert.equal(await counter(a.metrics.overlayPeers, {direction: "outbound"}), 1);
    assert.equal(await counter(b.metrics.overlayPeers, {direction: "inbound"}), 1);
  } finally {
    await stopAll([a, b]);
  }
});

test("nodes that dial each other at once keep exactly one connection", async () => {
  const [pa, pb] = [await freePort(), await freePort()];
  const a = await startPeer({port: pa, peers: [`127.0.0.1:${pb}`]});
  const b = await startPeer({port: pb, peers: [`127.0.0.1:${pa}`]});
  try {
    await waitFor("connected", () => a.overlay.peers().length === 1 && b.overlay.peers().length === 1);
    // Let any second connection finish its handshake and be resolved.
    await waitFor("dials settled", async () => (await counter(a.metrics.overlayDials)) >= 1 && (await counter(b.metrics.overlayDials)) >= 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(a.overlay.peers().length, 1);
    assert.equal(b.overlay.peers().length, 1);
    // Both kept the same connection: outbound on one side is inbound on the other.
    assert.notEqual(a.overlay.peers()[0]!.inbound, b.overlay.peers()[0]!.inbound);
  } finally {
    await stopAll([a, b]);
  }
});

test("a node on another network is refused", async () => {
  const b = await startPeer({networkId: createHash("sha256").update("Another Network").digest()});
  const a = await startPeer({peers: [`127.0.0.1:${b.overlay.port}`]});
  try {
    await waitFor("refusal counted", async () => (await counter(a.metrics.overlayHandshakeRefused, {reason: "wrong_network"})) > 0);
    assert.equal(a.overlay.peers().length, 0);
    assert.equal(b.overlay.peers().length, 0);
  } finally {
    await stopAll([a, b]);
  }
});

test("a peer whose key is not the one pinned for its address is refused", async () => {
  const b = await startPeer();
  const pinned = NodeKey.random().publicKey;
  const a = await startPeer({peers: [`${pinned}@127.0.0.1:${b.overlay.port}`]});
  try {
    await waitFor("refusal counted", async () => (await counter(a.metrics.overlayHandshakeRefused, {reason: "wrong_key"})) > 0);
    assert.equal(a.overlay.peers().length, 0);
  } finally {
    await stopAll([a, b]);
  }
});

test("a peer claiming a key it cannot sign for is refused", async () => {
  const n = await startPeer();
  const liar = new RawPeer(n.overlay.port);
  try {
    // Announces someone else's key, signs with its own.
    const victim = NodeKey.random();
    liar.hello(NETWORK, victim);
    await waitFor("node hello", () => liar.peerNonce !== undefined);
    liar.send({type: "auth", sig: liar.key.sign(authPayload(NETWORK, liar.nonce, liar.peerNonce!))});
    await waitFor("closed", () => liar.closed);
    assert.equal(liar.refusal(), "bad_signature");
    assert.equal(await counter(n.metrics.overlayHandshakeRefused, {reason: "bad_signature"}), 1);
    assert.equal(n.overlay.peers().length, 0);
  } finally {
    await stopAll([liar, n]);
  }
});

test("a signature over another network id is refused even with the right network in hello", async () => {
  const n = await startPeer();
  const p = new RawPeer(n.overlay.port);
  try {
    p.hello();
    await waitFor("node hello", () => p.peerNonce !== undefined);
    const other = createHash("sha256").update("Another Network").digest();
    p.send({type: "auth", sig: p.key.sign(authPayload(other, p.nonce, p.peerNonce!))});
    await waitFor("closed", () => p.closed);
    assert.equal(p.refusal(), "bad_signature");
  } finally {
    await stopAll([p, n]);
  }
});

test("a node configured to dial itself refuses the connection", async () => {
  const port = await freePort();
  const a = await startPeer({port, peers: [`127.0.0.1:${port}`]});
  try {
    await waitFor("self refusal", async () => (await counter(a.metrics.overlayHandshakeRefused, {reason: "self"})) > 0);
    assert.equal(a.overlay.peers().length, 0);
  } finally {
    await stopAll([a]);
  }
});

test("a second connection with an already connected key is refused; the first stays", async () => {
  const n = await startPeer();
  const first = new RawPeer(n.overlay.port);
  const second = new RawPeer(n.overlay.port, first.key);
  try {
    await first.handshake();
    await waitFor("first authenticated", () => n.overlay.peers().length === 1);
    second.hello();
    await waitFor("second closed", () => second.closed);
    assert.equal(second.refusal(), "duplicate");
    assert.equal(first.closed, false);
    assert.deepEqual(n.overlay.peers().map((p) => p.id), [first.id]);
  } finally {
    await stopAll([first, second, n]);
  }
});

test("a connection that never finishes the handshake is closed", async () => {
  const n = await startPeer({handshakeTimeoutMs: 200});
  const p = new RawPeer(n.overlay.port);
  try {
    await waitFor("closed", () => p.closed);
    assert.equal(p.refusal(), "handshake_timeout");
  } finally {
    await stopAll([p, n]);
  }
});

test("inbound connections past the limit are refused", async () => {
  const n = await startPeer({maxInbound: 1});
  const p1 = new RawPeer(n.overlay.port);
  const p2 = new RawPeer(n.overlay.port);
  try {
    await p1.handshake();
    await waitFor("p2 refused", () => p2.closed);
    assert.equal(p2.refusal(), "inbound_limit");
    assert.equal(p1.closed, false);
  } finally {
    await stopAll([p1, p2, n]);
  }
});

test("peer addresses parse host:port and KEY@host:port, and bad ones are refused", () => {
  const k = NodeKey.random().publicKey;
  assert.deepEqual(parsePeerAddress("127.0.0.1:11625"), {host: "127.0.0.1", port: 11625});
  assert.deepEqual(parsePeerAddress(`${k}@node.example:1`), {host: "node.example", port: 1, key: k});
  assert.deepEqual(parsePeerAddress("[::1]:9"), {host: "::1", port: 9});
  for (const bad of ["127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "GBAD@127.0.0.1:1", ":5", "a b:1"]) {
    assert.throws(() => parsePeerAddress(bad), /peer address/, bad);
  }
});
