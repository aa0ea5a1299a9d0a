/**
 * What a peer's SCP envelope makes this node fetch: the tx sets its values name, from the peer
 * that sent it, asked once per fetch timeout however many held envelopes name the same set; a
 * statement about the ledger closed here last fetches nothing (its value is applied already).
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {createHash, randomBytes} from "node:crypto";
import {pino} from "pino";
import {Keypair} from "@stellar/stellar-base";
import {HerderNetwork} from "../../../src/herder/network.js";
import {encodeScpValue} from "../../../src/herder/tx-set.js";
import {encodeEnvelope} from "../../../src/scp/codec.js";
import {quorumSetHash} from "../../../src/scp/quorum.js";
import type {Envelope, Pledge, QuorumSet} from "../../../src/scp/types.js";
import type {Herder} from "../../../src/herder/herder.js";
import type {ConsensusNet} from "../../../src/herder/interface.js";
import type {Overlay, OverlayMessage, PeerId} from "../../../src/overlay/interface.js";
import type {NetworkConfig} from "../../../src/ledger/types.js";

const LCL = 5;
const nodes = [Keypair.random().publicKey(), Keypair.random().publicKey()];
const QSET: QuorumSet = {threshold: 2, validators: nodes, innerSets: []};

function envelopeBytes(nodeId: string, slotIndex: number, pledges: Pledge): Buffer {
  const env: Envelope = {statement: {nodeId, slotIndex, quorumSetHash: quorumSetHash(QSET), pledges}, signature: randomBytes(64)};
  return encodeEnvelope(env);
}

function harness() {
  let receive!: (peer: PeerId, msg: OverlayMessage) => void;
  const sent: Array<{peer: PeerId; msg: OverlayMessage}> = [];
  const delivered: Envelope[] = [];
  const overlay = {
    onMessage: (cb: typeof receive) => (receive = cb),
    broadcast: () => undefined,
    send: (peer: PeerId, msg: OverlayMessage) => (sent.push({peer, msg}), true),
    peers: () => nodes.map((id) => ({id})),
  } as unknown as Overlay;
  const herder = {
    admission: {onAdmitted: () => undefined},
    onLedgerClosed: () => undefined,
    ledgers: {onMissingTxSet: () => undefined, onAhead: () => undefined, waitingSlots: () => [], closing: false},
    lastClosed: () => ({seq: LCL, hash: "ab".repeat(32), closeTime: 100}),
    txSet: () => undefined,
  } as unknown as Herder;
  const consensus = {
    localQuorumSet: QSET,
    onEnvelope: () => undefined,
    verify: () => true,
    quorumSet: () => QSET,
    receive: (e: Envelope) => (delivered.push(e), "valid"),
  } as unknown as ConsensusNet;
  const net = new HerderNetwork({}, {herder, consensus, overlay, config: {networkId: randomBytes(32), maxTxSetSize: 100} as NetworkConfig, log: pino({level: "silent"}), selfId: "self"});
  net.start();
  const getTxSets = () => sent.filter((s) => s.msg.type === "get_tx_set");
  return {receive: (peer: PeerId, envelope: Buffer) => receive(peer, {type: "scp", envelope}), getTxSets, delivered, net};
}

const value = (tag: string) => encodeScpValue({txSetHash: createHash("sha256").update(tag).digest(), closeTime: 101});
const prepare = (v: Buffer): Pledge => ({type: "prepare", ballot: {counter: 1, value: v}, prepared: null, preparedPrime: null, nC: 0, nH: 0});

test("held envelopes naming the same unknown tx set ask their peer for it once", () => {
  const h = harness();
  try {
    const v = value("set a");
    h.receive(nodes[0]!, envelopeBytes(nodes[0]!, LCL + 1, {type: "nominate", voted: [v], accepted: []}));
    h.receive(nodes[0]!, envelopeBytes(nodes[0]!, LCL + 1, {type: "nominate", voted: [v], accepted: [v]}));
    h.receive(nodes[0]!, envelopeBytes(nodes[0]!, LCL + 1, prepare(v)));
    assert.equal(h.getTxSets().length, 1, "one get_tx_set for three envelopes");
    assert.equal(h.delivered.length, 0, "all three wait for the set");
    assert.equal(h.net.heldCount, 3);
    // Another set is still asked for.
    h.receive(nodes[0]!, envelopeBytes(nodes[0]!, LCL + 1, {type: "nominate", voted: [value("set b")], accepted: []}));
    assert.equal(h.getTxSets().length, 2);
  } finally {
    h.net.stop();
  }
});

test("a peer's late statement about the ledger closed here fetches no tx set and goes to SCP at once", () => {
  const h = harness();
  try {
    h.receive(nodes[1]!, envelopeBytes(nodes[1]!, LCL, prepare(value("closed set"))));
    assert.equal(h.getTxSets().length, 0);
    assert.equal(h.delivered.length, 1);
    assert.equal(h.net.heldCount, 0);
  } finally {
    h.net.stop();
  }
});
