import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Keypair, StrKey, xdr} from "@stellar/stellar-base";
import {entryChangesXdr, feeMetaXdr, transactionMetaXdr, type EntryDelta, type TxMeta} from "../../../src/ledger/meta.js";
import {newAccountEntry} from "../../../src/ledger/entries.js";
import type {AccountEntry, DataEntry, LedgerEntry, TrustLineEntry} from "../../../src/ledger/types.js";

/** The meta as js-xdr objects serialize it: what the byte writer must reproduce exactly. */
function reference(meta: TxMeta, ledgerSeq: number): {result: Buffer; fee: Buffer} {
  const result = new xdr.TransactionMeta(
    3,
    new xdr.TransactionMetaV3({
      ext: new xdr.ExtensionPoint(0),
      txChangesBefore: entryChangesXdr(meta.before, ledgerSeq),
      operations: meta.operations.map((ops) => new xdr.OperationMeta({changes: entryChangesXdr(ops, ledgerSeq)})),
      txChangesAfter: [],
      sorobanMeta: null,
    }),
  ).toXDR();
  const changes = entryChangesXdr(meta.fee, ledgerSeq);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(changes.length);
  return {result, fee: Buffer.concat([count, ...changes.map((c) => c.toXDR())])};
}

function account(over: Partial<AccountEntry> = {}): AccountEntry {
  return {...newAccountEntry(Keypair.random().publicKey(), 123_456_789n, 5n << 32n, 3), ...over};
}

describe("transaction meta XDR", () => {
  it("writes account entries byte for byte as the js-xdr builders, in every extension arm", () => {
    const plain = account();
    const variants: AccountEntry[] = [
      plain,
      account({seqLedger: 9, seqTime: 1_700_000_000n}),
      account({buyingLiabilities: 5n, sellingLiabilities: 0n}),
      account({numSponsoring: 2}),
      account({numSponsoring: 1, seqLedger: 4, seqTime: 0n, buyingLiabilities: 1n, sellingLiabilities: 2n}),
      account({
        inflationDest: Keypair.random().publicKey(),
        homeDomain: "exämple.org",
        flags: 5,
        numSubEntries: 3,
        thresholds: {master: 0, low: 1, med: 2, high: 255},
        signers: [
          {key: Keypair.random().publicKey(), weight: 3},
          {key: StrKey.encodePreAuthTx(Buffer.alloc(32, 1)), weight: 1},
          {key: StrKey.encodeSha256Hash(Buffer.alloc(32, 2)), weight: 2},
          {key: StrKey.encodeSignedPayload(new xdr.SignerKeyEd25519SignedPayload({ed25519: Keypair.random().rawPublicKey(), payload: Buffer.from([1, 2, 3, 4, 5])}).toXDR()), weight: 4},
        ],
        seqLedger: 1,
        seqTime: 2n ** 64n - 1n,
        balance: 2n ** 63n - 1n,
      }),
    ];
    const data: DataEntry = {type: "data", accountId: plain.accountId, name: "k", value: Buffer.from([9, 8, 7]), lastModifiedLedger: 3};
    const trust: TrustLineEntry = {type: "trustline", accountId: plain.accountId, asset: {type: "credit_alphanum4", code: "USD", issuer: Keypair.random().publicKey()}, balance: 1n, limit: 10n, flags: 1, buyingLiabilities: 0n, sellingLiabilities: 0n, lastModifiedLedger: 2};
    const up = (e: LedgerEntry): EntryDelta => ({before: e, after: {...e, lastModifiedLedger: 11} as LedgerEntry});
    const meta: TxMeta = {
      fee: [up(variants[0]!)],
      before: variants.map(up),
      operations: [
        [{before: null, after: data}, up(trust), {before: variants[1]!, after: null}, {before: data, after: null}],
        [],
        variants.map((v) => ({before: null, after: v})),
      ],
    };
    for (const m of [meta, {fee: [], before: [], operations: []}]) {
      const ref = reference(m, 11);
      assert.ok(transactionMetaXdr(m, 11).equals(ref.result), "result_meta_xdr");
      assert.ok(feeMetaXdr(m, 11).equals(ref.fee), "fee_meta_xdr");
    }
    // And stellar-base reads it back.
    const back = xdr.TransactionMeta.fromXDR(transactionMetaXdr(meta, 11));
    assert.equal(back.v3().operations()[2]!.changes().length, variants.length);
    assert.equal(back.v3().txChangesBefore()[11]!.updated().data().account().ext().v1().ext().v2().ext().v3().seqTime().toString(), (2n ** 64n - 1n).toString());
  });
});
