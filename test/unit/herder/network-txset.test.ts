/**
 * A peer's tx set on a node that has not admitted all of its txs: each signature is checked once
 * on the node. Txs whose flooded copy is being admitted are waited for and their admitted frame is
 * used; the rest are verified in the signature pool before the set is held; a late flooded copy of
 * a tx already admitted is dropped before verification.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {createHash} from "node:crypto";
import {pino} from "pino";
import {Account, Keypair, Operation, TransactionBuilder, Networks} from "@stellar/stellar-base";
import {HerderNetwork} from "../../../src/herder/network.js";
import {encodeTxSet, makeTxSet, type TxSet} from "../../../src/herder/tx-set.js";
import {decodeTxFrame} from "../../../src/tx/frame.js";
import type {TxFrame} from "../../../src/tx/interface.js";
import type {Herder} from "../../../src/herder/herder.js";
import type {ConsensusNet} from "../../../src/herder/interface.js";
import type {Overlay, OverlayMessage, PeerId} from "../../../src/overlay/interface.js";
import type {SignatureVerifier, Verdict} from "../../../src/verify/interface.js";
import type {NetworkConfig} from "../../../src/ledger/types.js";

const networkId = createHash("sha256").update(Networks.TESTNET).digest();
const PREV = "ab".repeat(32);
const PEER = Keypair.random().publicKey();

function envelopes(n: number): Buffer[] {
  const kp = Keypair.random();
  return Array.from({length: n}, (_, i) => {
    const tx = new TransactionBuilder(new Account(kp.publicKey(), String(i)), {fee: "200", networkPassphrase: Networks.TESTNET})
      .addOperation(Operation.bumpSequence({bumpTo: "0"}))
      .setTimeout(0)
      .build();
    tx.sign(kp);
    return tx.toEnvelope().toXDR();
  });
}

/** A verifier that counts, and whose answers the test releases when it wants. */
class GatedVerifier implements SignatureVerifier {
  readonly asked: Buffer[] = [];
  private gate: Promise<void>;
  release!: () => void;
  constructor() {
    this.gate = new Promise((r) => (this.release = r));
  }
  async verify(envelope: Buffer): Promise<Verdict> {
    this.asked.push(envelope);
    await this.gate;
    const frame = decodeTxFrame(envelope, networkId);
    // As the pool's workers: the source account's key is the signer tried.
    frame.verified = [{index: 0, key: frame.sourceAccount}];
    return {ok: true, frame};
  }
  async close(): Promise<void> {}
}

function harness(verifier: SignatureVerifier) {
  let receive!: (peer: PeerId, msg: OverlayMessage) => void;
  let admittedCb!: (frame: TxFrame, fromPeer: string | undefined) => void;
  const added: TxSet[] = [];
  const admits: Buffer[] = [];
  let finishAdmit = (): void => undefined;
  const overlay = {onMessage: (cb: typeof receive) => (receive = cb), broadcast: () => undefined, send: () => true, peers: () => [], start: async () => undefined, stop: async () => undefined} as unknown as Overlay;
  const herder = {
    admission: {onAdmitted: (cb: typeof admittedCb) => (admittedCb = cb)},
    onLedgerClosed: () => undefined,
    ledgers: {onMissingTxSet: () => undefined, onAhead: () => undefined, waitingSlots: () => [1], closing: false},
    lastClosed: () => ({seq: 1, hash: PREV, closeTime: 1}),
    txSet: (h: string) => added.find((s) => s.hashHex === h),
    addTxSet: (s: TxSet) => (added.push(s), "held"),
    // A flooded tx's admission: verified (as the pool would), announced, resolved when the test says.
    admit: (envelope: Buffer) => {
      admits.push(envelope);
      return new Promise<void>((resolve) => {
        finishAdmit = () => {
          const f = decodeTxFrame(envelope, networkId);
          f.verified = [{index: 0, key: f.sourceAccount}];
          admittedCb(f, PEER);
          resolve();
        };
      });
    },
  } as unknown as Herder;
  const consensus = {localQuorumSet: {threshold: 1, validators: [], innerSets: []}, onEnvelope: () => undefined, slotInfo: () => undefined} as unknown as ConsensusNet;
  const net = new HerderNetwork({}, {herder, consensus, overlay, config: {networkId, maxTxSetSize: 100} as NetworkConfig, log: pino({level: "silent"}), selfId: "self", verifier});
  net.start();
  return {receive: (m: OverlayMessage) => receive(PEER, m), added, admits, finishAdmit: () => finishAdmit()};
}

test("a peer's tx set: a tx being admitted is waited for, the others are verified in the pool once, then the set is held", async () => {
  const verifier = new GatedVerifier();
  const h = harness(verifier);
  try {
    const [flooded, ...rest] = envelopes(4);
    h.receive({type: "tx", envelope: flooded!});
    assert.equal(h.admits.length, 1);
    const set = makeTxSet(PREV, [flooded!, ...rest].map((e) => decodeTxFrame(e, networkId)), 4, 100n);
    h.receive({type: "tx_set", hash: Buffer.from(set.hashHex, "hex"), body: encodeTxSet(set)});
    h.receive({type: "tx_set", hash: Buffer.from(set.hashHex, "hex"), body: encodeTxSet(set)});
    await new Promise((r) => setImmediate(r));
    assert.equal(h.added.length, 0, "not held while its txs are being verified");
    assert.deepEqual(verifier.asked.map((e) => e.toString("hex")).sort(), rest.map((e) => e.toString("hex")).sort(), "only the txs nobody is verifying go to the pool, once each");
    verifier.release();
    h.finishAdmit();
    for (let i = 0; i < 100 && h.added.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(h.added.length, 1, "held once");
    const held = h.added[0]!;
    assert.equal(held.hashHex, set.hashHex);
    assert.ok(held.frames.every((f) => f.verified.length === 1), "every frame carries its verified signature");
    // The same envelope flooded again after its admission: dropped before verification.
    h.receive({type: "tx", envelope: flooded!});
    assert.equal(h.admits.length, 1);
    assert.equal(verifier.asked.length, 3);
  } finally {
    verifier.release();
  }
});
