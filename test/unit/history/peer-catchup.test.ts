/**
 * Catch-up from peers over real sockets: a node on a folder holding only genesis fetches every
 * ledger from a peer in bounded batches and replays it through the ledger manager, ending with
 * the peer's header hashes and state; a peer serving altered ledgers is skipped.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {pino} from "pino";
import {PeerLedgerSync} from "../../../src/history/peer-catchup.js";
import {HistoryError, HistoryErrorCode} from "../../../src/history/errors.js";
import {decodeLedgerRecord, encodeLedgerRecord} from "../../../src/history/ledger-record.js";
import {headerHash} from "../../../src/ledger/header.js";
import {Chain} from "./chain.js";
import {RawPeer, counter, startPeer, stopAll, waitFor, type TestPeer} from "../overlay/helpers.js";
import {networkIdOf} from "../../../src/ledger/options.js";
import {PASSPHRASE} from "./chain.js";

const log = pino({level: "silent"});
const NETWORK = networkIdOf(PASSPHRASE);

async function pair(): Promise<{a: TestPeer; b: TestPeer}> {
  const a = await startPeer({networkId: NETWORK});
  const b = await startPeer({networkId: NETWORK, peers: [`127.0.0.1:${a.overlay.port}`]});
  await waitFor("linked", () => a.overlay.peers().length === 1 && b.overlay.peers().length === 1);
  return {a, b};
}

test("a node holding only genesis catches up from a peer: same header hashes and state", async () => {
  const source = Chain.genesis();
  const fresh = Chain.genesis();
  const {a, b} = await pair();
  try {
    await source.closeUntil(150);
    new PeerLedgerSync({}, {overlay: a.overlay, source: source.store, applier: source, log});
    const sync = new PeerLedgerSync({batch: 40}, {overlay: b.overlay, source: fresh.store, applier: fresh, log});
    const r = await sync.catchUp();
    assert.deepEqual(r, {applied: 149, lcl: 150});
    for (let seq = 1; seq <= 150; seq++) assert.equal(fresh.header(seq)!.hash, source.header(seq)!.hash, `ledger ${seq}`);
    assert.deepEqual(fresh.entries(), source.entries());
    // 149 ledgers in batches of at most 40: 4 requests, then one answered dont_have.
    assert.equal(await counter(b.metrics.overlayMessagesSent, {type: "get_ledgers"}), 5);
    assert.equal(await counter(a.metrics.overlayMessagesSent, {type: "dont_have"}), 1);
    // To a target: nothing left to do.
    assert.deepEqual(await sync.catchUp(150), {applied: 0, lcl: 150});
  } finally {
    await stopAll([a, b]);
    await source.dispose();
    await fresh.dispose();
  }
});

test("ledgers altered by a peer are refused and nothing is applied; an honest peer then serves them", async () => {
  const source = Chain.genesis();
  const fresh = Chain.genesis();
  const honest = await startPeer({networkId: NETWORK});
  const node = await startPeer({networkId: NETWORK});
  const liar = new RawPeer(node.overlay.port);
  try {
    await source.closeUntil(20);
    // The liar: a peer that answers get_ledgers with ledger 2 carrying one tx fewer, header rehashed.
    liar.hello(Buffer.from(NETWORK));
    await waitFor("node hello", () => liar.peerNonce !== undefined);
    const {authPayload} = await import("../../../src/overlay/codec.js");
    liar.send({type: "auth", sig: liar.key.sign(authPayload(NETWORK, liar.nonce, liar.peerNonce!))});
    await waitFor("liar authenticated", () => node.overlay.peers().length === 1);
    const sync = new PeerLedgerSync({requestTimeoutMs: 2000}, {overlay: node.overlay, source: fresh.store, applier: fresh, log});
    const run = sync.catchUp(20);
    await waitFor("liar asked", () => liar.received.some((m) => m.type === "get_ledgers"));
    const set = source.txSetAt(2)!;
    const forged = {...source.header(2)!, txCount: set.envelopes.length - 1};
    forged.hash = headerHash(forged);
    const item = encodeLedgerRecord({header: forged, baseFeeCharged: set.baseFeeCharged, envelopes: set.envelopes.slice(1)});
    assert.equal(decodeLedgerRecord(item).header.hash, forged.hash, "the forgery is self-consistent");
    liar.send({type: "ledgers", items: [item]});
    await assert.rejects(run, (e: unknown) => e instanceof HistoryError && e.code === HistoryErrorCode.UNAVAILABLE);
    assert.equal(fresh.latestHeader().seq, 1, "nothing applied from the liar");
    // With an honest peer connected, the run succeeds.
    new PeerLedgerSync({}, {overlay: honest.overlay, source: source.store, applier: source, log});
    const link = await startPeer({networkId: NETWORK, peers: [`127.0.0.1:${honest.overlay.port}`]});
    try {
      await waitFor("linked", () => link.overlay.peers().length === 1);
      const s2 = new PeerLedgerSync({}, {overlay: link.overlay, source: fresh.store, applier: fresh, log});
      assert.deepEqual(await s2.catchUp(20), {applied: 19, lcl: 20});
      assert.equal(fresh.header(20)!.hash, source.header(20)!.hash);
    } finally {
      await stopAll([link]);
    }
  } finally {
    await stopAll([liar, node, honest]);
    await source.dispose();
    await fresh.dispose();
  }
});
