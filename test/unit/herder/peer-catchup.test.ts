/**
 * Catch-up from peers trusts no single peer: a chain is replayed only when it links from the
 * last closed ledger to the hash the quorum vouches for, and each ledger's tx set hashes to what
 * its header names. A lying peer serving a complete, self-consistent forged chain (every header
 * rehashed, every ledger replayable) is refused and nothing is applied.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {pino} from "pino";
import {PeerCatchUp, type TrustedLedger} from "../../../src/herder/catchup.js";
import {createMetrics, type Metrics} from "../../../src/metrics/metrics.js";
import {encodeLedgerRecord} from "../../../src/history/ledger-record.js";
import type {Overlay, OverlayMessage, PeerId} from "../../../src/overlay/interface.js";
import {Chain} from "../history/chain.js";

const log = pino({level: "silent"});

/** A peer answering get_ledgers from a chain, optionally rewriting the records it sends. */
interface FakePeer {
  id: PeerId;
  chain: Chain;
  tamper?: (seq: number, rec: Parameters<typeof encodeLedgerRecord>[0]) => Parameters<typeof encodeLedgerRecord>[0];
  asked: number;
}

/** Overlay whose peers answer get_ledgers on a later turn, as history's ledger records. */
function fakeOverlay(peers: FakePeer[], deliver: () => PeerCatchUp): Overlay {
  return {
    start: async () => undefined,
    stop: async () => undefined,
    broadcast: () => undefined,
    onMessage: () => undefined,
    peers: () => peers.map((p) => ({id: p.id, address: "memory", inbound: false})),
    send(peerId: PeerId, msg: OverlayMessage): boolean {
      const p = peers.find((x) => x.id === peerId);
      if (!p || msg.type !== "get_ledgers") return false;
      p.asked++;
      setImmediate(() => {
        const items: Buffer[] = [];
        for (let seq = msg.from; seq <= Math.min(msg.to, p.chain.latestHeader().seq); seq++) {
          const set = p.chain.txSetAt(seq)!;
          let rec = {header: p.chain.header(seq)!, baseFeeCharged: set.baseFeeCharged, envelopes: set.envelopes};
          if (p.tamper) rec = p.tamper(seq, rec);
          items.push(encodeLedgerRecord(rec));
        }
        deliver().handle(peerId, items.length > 0 ? {type: "ledgers", items} : {type: "dont_have", what: "ledgers", key: Buffer.alloc(4)});
      });
      return true;
    },
  };
}

async function refusedCount(m: Metrics, reason: string): Promise<number> {
  const v = (await m.catchupRefused.get()).values.find((x) => x.labels.reason === reason);
  return v?.value ?? 0;
}

function catchUpFor(node: Chain, peers: FakePeer[], anchor: TrustedLedger, opts: {maxBufferedBytes?: number} = {}) {
  const metrics = createMetrics();
  let cu: PeerCatchUp;
  const overlay = fakeOverlay(peers, () => cu);
  cu = new PeerCatchUp(opts, {store: node.store, ledgers: node.manager, overlay, config: node.config, log, metrics, trusted: () => anchor});
  return {cu, metrics};
}

test("a lying peer serving a forged, self-consistent chain is refused: nothing is applied; an honest peer's chain to the quorum's hash is", async () => {
  const honest = Chain.genesis();
  const forged = Chain.genesis();
  const node = Chain.genesis();
  try {
    await honest.closeUntil(40);
    // The forgery replays cleanly on the same genesis: other txs, every header rehashed.
    await forged.closeUntil(45);
    assert.notEqual(forged.header(40)!.hash, honest.header(40)!.hash);
    const anchor = {seq: 40, hash: honest.header(40)!.hash};
    const liar: FakePeer = {id: "liar", chain: forged, asked: 0};

    const alone = catchUpFor(node, [liar], anchor);
    alone.cu.catchUp(40, ["liar"]);
    await alone.cu.idle();
    assert.equal(node.latestHeader().seq, 1, "nothing applied from the liar");
    assert.equal(await refusedCount(alone.metrics, "not_vouched"), 1);
    assert.ok(liar.asked >= 1);

    const good: FakePeer = {id: "honest", chain: honest, asked: 0};
    const both = catchUpFor(node, [liar, good], anchor);
    both.cu.catchUp(40, ["liar", "honest"]);
    await both.cu.idle();
    assert.equal(node.latestHeader().seq, 40);
    for (let seq = 1; seq <= 40; seq++) assert.equal(node.header(seq)!.hash, honest.header(seq)!.hash, `ledger ${seq}`);
    assert.deepEqual(node.entries(), honest.entries());
    assert.equal(await refusedCount(both.metrics, "not_vouched"), 1, "the liar was asked first and refused");
  } finally {
    await honest.dispose();
    await forged.dispose();
    await node.dispose();
  }
});

test("with no ledger vouched for by the quorum, nothing is fetched; a tx set that does not hash to its header's txSetHash is refused", async () => {
  const honest = Chain.genesis();
  const node = Chain.genesis();
  try {
    await honest.closeUntil(20);
    const peer: FakePeer = {id: "p", chain: honest, asked: 0};
    const metrics = createMetrics();
    let wanted = 0;
    let cu: PeerCatchUp;
    const overlay = fakeOverlay([peer], () => cu);
    cu = new PeerCatchUp({}, {store: node.store, ledgers: node.manager, overlay, config: node.config, log, metrics, trusted: () => undefined, wantAnchor: () => wanted++});
    cu.catchUp(20, ["p"]);
    await cu.idle();
    assert.equal(peer.asked, 0, "no anchor: no peer asked");
    assert.equal(wanted, 1, "the network is asked for the anchor's tx set");
    assert.equal(node.latestHeader().seq, 1);

    // Headers intact, but ledger 10 carries ledger 11's envelopes (same count): the chain checks,
    // the tx set does not hash to the header's txSetHash, so ledger 10 is never applied.
    const swapper: FakePeer = {
      id: "swapper",
      chain: honest,
      asked: 0,
      tamper: (seq, rec) => (seq === 10 ? {...rec, envelopes: honest.txSetAt(11)!.envelopes} : rec),
    };
    const s = catchUpFor(node, [swapper], {seq: 20, hash: honest.header(20)!.hash});
    s.cu.catchUp(20, ["swapper"]);
    await s.cu.idle();
    assert.equal(node.latestHeader().seq, 9, "ledgers before the bad tx set applied, not it");
    assert.equal(await refusedCount(s.metrics, "bad_tx_set"), 1);
  } finally {
    await honest.dispose();
    await node.dispose();
  }
});

test("a gap larger than the envelope buffer is verified first, then fetched again and checked against the verified hashes", async () => {
  const honest = Chain.genesis();
  const node = Chain.genesis();
  try {
    await honest.closeUntil(30);
    const peer: FakePeer = {id: "p", chain: honest, asked: 0};
    const {cu} = catchUpFor(node, [peer], {seq: 30, hash: honest.header(30)!.hash}, {maxBufferedBytes: 1});
    cu.catchUp(30, ["p"]);
    await cu.idle();
    assert.equal(node.latestHeader().seq, 30);
    assert.equal(node.header(30)!.hash, honest.header(30)!.hash);
    assert.ok(peer.asked >= 2, "the chain was fetched once to verify and again to apply");
  } finally {
    await honest.dispose();
    await node.dispose();
  }
});
