/**
 * verdictFor reads the accounts' signers only when the master keys do not account for every
 * signature: a master-signed tx costs the worker no ledger read, a tx signed by another signer
 * still gets its signature matched in the worker.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Account, Asset, Keypair, Operation, TransactionBuilder, type Transaction} from "@stellar/stellar-base";
import {verdictFor} from "../../../src/verify/verdict.js";
import {accountKey, type AccountEntry, type EntryKey, type LedgerEntry, type LedgerStateReader} from "../../../src/ledger/types.js";
import {networkIdOf} from "../../../src/ledger/options.js";

const passphrase = "Verdict Test Network ; 2026";
const networkId = networkIdOf(passphrase);

function accountEntry(id: string, signers: Array<{key: string; weight: number}>): AccountEntry {
  return {
    type: "account",
    accountId: id,
    balance: 100_000_000n,
    seqNum: 0n,
    numSubEntries: signers.length,
    inflationDest: null,
    flags: 0,
    homeDomain: "",
    thresholds: {master: 1, low: 0, med: 0, high: 0},
    signers,
    buyingLiabilities: 0n,
    sellingLiabilities: 0n,
    seqLedger: 0,
    seqTime: 0n,
    lastModifiedLedger: 1,
  };
}

/** A reader over fixed entries that counts its reads. */
function countingReader(entries: LedgerEntry[]): LedgerStateReader & {reads: EntryKey[]} {
  const byKey = new Map<EntryKey, LedgerEntry>();
  for (const e of entries) if (e.type === "account") byKey.set(accountKey(e.accountId), e);
  const reads: EntryKey[] = [];
  return {
    reads,
    getEntry(key: EntryKey) {
      reads.push(key);
      return byKey.get(key);
    },
  };
}

function payment(source: Keypair, signers: Keypair[]): Transaction {
  const tx = new TransactionBuilder(new Account(source.publicKey(), "0"), {fee: "100", networkPassphrase: passphrase})
    .addOperation(Operation.payment({destination: Keypair.random().publicKey(), asset: Asset.native(), amount: "1"}))
    .setTimeout(0)
    .build();
  for (const s of signers) tx.sign(s);
  return tx;
}

const envelopeOf = (tx: Transaction): Buffer => tx.toEnvelope().toXDR();

describe("verdictFor: signer reads", () => {
  const source = Keypair.random();
  const cosigner = Keypair.random();
  const reader = (): ReturnType<typeof countingReader> => countingReader([accountEntry(source.publicKey(), [{key: cosigner.publicKey(), weight: 1}])]);

  it("matches a master-key signature without reading the source account", () => {
    const r = reader();
    const v = verdictFor(envelopeOf(payment(source, [source])), networkId, r);
    assert.equal(v.ok, true);
    if (!v.ok) return;
    assert.deepEqual(v.frame.verified, [{index: 0, key: source.publicKey()}]);
    assert.deepEqual(r.reads, []);
  });

  it("reads the signers when a signature is not the master key's, and matches it in the worker", () => {
    const r = reader();
    const v = verdictFor(envelopeOf(payment(source, [source, cosigner])), networkId, r);
    assert.equal(v.ok, true);
    if (!v.ok) return;
    assert.deepEqual(v.frame.verified, [
      {index: 0, key: source.publicKey()},
      {index: 1, key: cosigner.publicKey()},
    ]);
    assert.deepEqual(r.reads, [accountKey(source.publicKey())]);
    assert.ok(v.frame.triedKeys?.includes(cosigner.publicKey()));
  });

  it("leaves a stranger's signature unmatched after trying every signer", () => {
    const stranger = Keypair.random();
    const r = reader();
    const v = verdictFor(envelopeOf(payment(source, [stranger])), networkId, r);
    assert.equal(v.ok, true);
    if (!v.ok) return;
    assert.deepEqual(v.frame.verified, []);
    assert.deepEqual(new Set(v.frame.triedKeys), new Set([source.publicKey(), cosigner.publicKey()]));
  });

  it("reads the fee source's signers only when a fee-bump signature is not its master key's", () => {
    const feeSource = Keypair.random();
    const feeCosigner = Keypair.random();
    const inner = payment(source, [source]);
    const bump = (signers: Keypair[]): Buffer => {
      const fb = TransactionBuilder.buildFeeBumpTransaction(feeSource, "200", inner, passphrase);
      for (const s of signers) fb.sign(s);
      return fb.toEnvelope().toXDR();
    };
    const entries = [accountEntry(source.publicKey(), []), accountEntry(feeSource.publicKey(), [{key: feeCosigner.publicKey(), weight: 1}])];

    const byMaster = countingReader(entries);
    const a = verdictFor(bump([feeSource]), networkId, byMaster);
    assert.equal(a.ok, true);
    if (a.ok) assert.deepEqual(a.frame.verifiedFeeBump, [{index: 0, key: feeSource.publicKey()}]);
    assert.deepEqual(byMaster.reads, []);

    const byCosigner = countingReader(entries);
    const b = verdictFor(bump([feeCosigner]), networkId, byCosigner);
    assert.equal(b.ok, true);
    if (b.ok) assert.deepEqual(b.frame.verifiedFeeBump, [{index: 0, key: feeCosigner.publicKey()}]);
    assert.ok(byCosigner.reads.includes(accountKey(feeSource.publicKey())));
  });
});
