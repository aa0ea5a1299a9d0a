/**
 * One suite, both verifier implementations (main thread and Piscina pool): same verdicts.
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {rmSync} from "node:fs";
import {Account, Asset, Keypair, Operation, TransactionBuilder} from "@stellar/stellar-base";
import {initNetwork, configOf} from "../../../src/node/node.js";
import {LedgerStore} from "../../../src/store/ledger-store.js";
import {InThreadVerifier} from "../../../src/verify/in-thread.js";
import {VerifyPool} from "../../../src/verify/pool.js";
import type {SignatureVerifier} from "../../../src/verify/interface.js";
import {rootKeypair} from "../../../src/ledger/genesis.js";
import {tempDir} from "../../helpers/node.js";

const dataDir = tempDir("diamante-verify-");
const meta = initNetwork(dataDir, {passphrase: "Verify Test Network ; 2026"});
const config = configOf(meta);
const root = rootKeypair(config.passphrase);

function payment(passphrase: string, signers: Keypair[]): Buffer {
  const tx = new TransactionBuilder(new Account(root.publicKey(), "0"), {fee: "100", networkPassphrase: passphrase})
    .addOperation(Operation.payment({destination: Keypair.random().publicKey(), asset: Asset.native(), amount: "1"}))
    .setTimeout(0)
    .build();
  for (const s of signers) tx.sign(s);
  return tx.toEnvelope().toXDR();
}

const implementations: Array<[string, () => {v: SignatureVerifier; done: () => Promise<void>}]> = [
  [
    "in-thread",
    () => {
      const store = new LedgerStore({dir: dataDir, readOnly: true});
      const v = new InThreadVerifier(config.networkId, store);
      return {v, done: async () => store.close()};
    },
  ],
  [
    "pool",
    () => {
      const v = new VerifyPool({networkId: new Uint8Array(config.networkId), dataDir}, {threads: 1, maxBatch: 8});
      return {v, done: () => v.close()};
    },
  ],
];

for (const [name, make] of implementations) {
  describe(`signature verifier: ${name}`, () => {
    let impl: ReturnType<typeof make>;
    before(() => {
      impl = make();
    });
    after(async () => {
      await impl.done();
    });

    it("finds the root key's signature on a valid envelope", async () => {
      const envelope = payment(config.passphrase, [root]);
      const expectedHash = TransactionBuilder.fromXDR(envelope.toString("base64"), config.passphrase).hash();
      const verdict = await impl.v.verify(envelope);
      assert.equal(verdict.ok, true);
      if (!verdict.ok) return;
      assert.deepEqual(verdict.frame.verified, [{index: 0, key: root.publicKey()}]);
      assert.equal(verdict.frame.hashHex, expectedHash.toString("hex"));
      assert.deepEqual(verdict.frame.hash, expectedHash);
      assert.equal(verdict.frame.sourceAccount, root.publicKey());
      assert.deepEqual(verdict.frame.envelopeXdr, envelope);
      // Account "0" gives the tx sequence 1, as a bigint (strict equality rejects the number 1).
      assert.equal(verdict.frame.seqNum, 1n);
    });

    it("verifies nothing for a signature over another network's hash", async () => {
      const verdict = await impl.v.verify(payment("Other Network", [root]));
      assert.equal(verdict.ok, true);
      if (verdict.ok) assert.deepEqual(verdict.frame.verified, []);
    });

    it("ignores a signature by a key that is not a signer", async () => {
      const stranger = Keypair.random();
      const verdict = await impl.v.verify(payment(config.passphrase, [stranger, root]));
      assert.equal(verdict.ok, true);
      if (verdict.ok) assert.deepEqual(verdict.frame.verified, [{index: 1, key: root.publicKey()}]);
    });

    it("reports malformed envelopes as tx_malformed", async () => {
      const verdict = await impl.v.verify(Buffer.from([0, 0, 0, 2, 1, 2, 3]));
      assert.equal(verdict.ok, false);
      if (!verdict.ok) assert.equal(verdict.error.code, "tx_malformed");
    });

    it("keeps verdicts matched to their envelopes in a concurrent batch", async () => {
      const good = Array.from({length: 20}, () => payment(config.passphrase, [root]));
      const bad = Array.from({length: 20}, () => payment("Elsewhere", [root]));
      const all = good.flatMap((g, i) => [g, bad[i]]);
      const verdicts = await Promise.all(all.map((e) => impl.v.verify(e)));
      verdicts.forEach((v, i) => {
        assert.equal(v.ok, true);
        if (v.ok) assert.equal(v.frame.verified.length, i % 2 === 0 ? 1 : 0, `envelope ${i}`);
      });
    });
  });
}

after(() => rmSync(dataDir, {recursive: true, force: true}));
