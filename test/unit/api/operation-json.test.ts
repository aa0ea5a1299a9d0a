/**
 * `operationJson` writes an operation record's JSON without building the record: it must give
 * the bytes `JSON.stringify(operationRecord(…))` gives, for every kind of operation (the ones
 * streams carry on /payments and /operations), failed ones, muxed accounts and text that needs
 * escaping in the base URL.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Account, Asset, Claimant, Keypair, MuxedAccount, Operation as SdkOperation, TransactionBuilder, type xdr} from "@stellar/stellar-sdk";
import {decodeTxFrame} from "../../../src/tx/frame.js";
import {networkIdOf} from "../../../src/ledger/options.js";
import {storedTxOf} from "../../../src/store/records.js";
import {storedOp} from "../../../src/store/ledger-store.js";
import {operationJson, operationRecord} from "../../../src/api/format/operation.js";
import type {StoredOp} from "../../../src/store/types.js";
import type {Asset as LedgerAsset} from "../../../src/tx/types.js";
import {PASSPHRASE} from "./store-ledger.js";

const anchor = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 51));
const alice = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 52));
const bob = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 53));
const USD = new Asset("USD", anchor.publicKey());
const LONG = new Asset("LONGCODE1234", anchor.publicKey());
const muxedBob = new MuxedAccount(new Account(bob.publicKey(), "0"), "77").accountId();

function opsOf(ops: xdr.Operation[], opts: {successful?: boolean; muxedSource?: boolean} = {}): StoredOp[] {
  const successful = opts.successful ?? true;
  const src = opts.muxedSource === true ? new MuxedAccount(new Account(alice.publicKey(), "10"), "5") : new Account(alice.publicKey(), "10");
  let b = new TransactionBuilder(src, {fee: "100", networkPassphrase: PASSPHRASE});
  for (const op of ops) b = b.addOperation(op);
  const tx = b.setTimeout(0).build();
  tx.sign(alice);
  const frame = decodeTxFrame(tx.toEnvelope().toXDR(), networkIdOf(PASSPHRASE));
  const stx = storedTxOf(frame, {
    ledger: 9,
    index: 3,
    closedAt: 1_700_000_123,
    feeCharged: 100n,
    successful,
    resultCodes: {transaction: successful ? "tx_success" : "tx_failed"},
    result: Buffer.alloc(0),
  });
  return ops.map((_, i) => storedOp(stx, i + 1)!);
}

describe("operationJson", () => {
  const kinds: xdr.Operation[] = [
    SdkOperation.createAccount({destination: bob.publicKey(), startingBalance: "12.5"}),
    SdkOperation.payment({destination: bob.publicKey(), asset: Asset.native(), amount: "1"}),
    SdkOperation.payment({destination: bob.publicKey(), asset: USD, amount: "0.0000001"}),
    SdkOperation.payment({destination: bob.publicKey(), asset: LONG, amount: "922337203685.4775807"}),
    SdkOperation.payment({destination: muxedBob, asset: USD, amount: "3"}),
    SdkOperation.payment({destination: bob.publicKey(), asset: USD, amount: "3", source: muxedBob}),
    SdkOperation.pathPaymentStrictReceive({sendAsset: USD, sendMax: "50", destination: bob.publicKey(), destAsset: LONG, destAmount: "10", path: [Asset.native()]}),
    SdkOperation.pathPaymentStrictSend({sendAsset: USD, sendAmount: "20", destination: muxedBob, destAsset: LONG, destMin: "1", path: []}),
    SdkOperation.accountMerge({destination: bob.publicKey()}),
    SdkOperation.accountMerge({destination: muxedBob}),
    SdkOperation.manageSellOffer({selling: USD, buying: Asset.native(), amount: "5", price: "0.3333333", offerId: "0"}),
    SdkOperation.manageBuyOffer({selling: Asset.native(), buying: LONG, buyAmount: "5", price: {n: 7, d: 3}, offerId: "12"}),
    SdkOperation.createPassiveSellOffer({selling: USD, buying: LONG, amount: "1", price: "2"}),
    SdkOperation.changeTrust({asset: USD, limit: "1000"}),
    SdkOperation.changeTrust({asset: LONG}),
    SdkOperation.allowTrust({trustor: bob.publicKey(), assetCode: "USD", authorize: 1}),
    SdkOperation.setOptions({setFlags: 1, clearFlags: 8, masterWeight: 2, homeDomain: 'quote".example', inflationDest: bob.publicKey()}),
    SdkOperation.setOptions({signer: {ed25519PublicKey: bob.publicKey(), weight: 1}, lowThreshold: 1, medThreshold: 2, highThreshold: 3}),
    SdkOperation.manageData({name: "naïve ☕", value: "v\u0000\u0001"}),
    SdkOperation.manageData({name: "gone", value: null}),
    SdkOperation.bumpSequence({bumpTo: "9223372036854775807"}),
    SdkOperation.createClaimableBalance({asset: USD, amount: "4", claimants: [new Claimant(bob.publicKey(), Claimant.predicateBeforeRelativeTime("60"))]}),
    SdkOperation.claimClaimableBalance({balanceId: "00000000" + "ab".repeat(32)}),
    SdkOperation.clawback({asset: USD, from: muxedBob, amount: "1"}),
    SdkOperation.clawbackClaimableBalance({balanceId: "00000000" + "cd".repeat(32)}),
    SdkOperation.setTrustLineFlags({trustor: bob.publicKey(), asset: USD, flags: {authorized: true, clawbackEnabled: false}}),
    SdkOperation.beginSponsoringFutureReserves({sponsoredId: bob.publicKey()}),
    SdkOperation.endSponsoringFutureReserves({}),
    SdkOperation.revokeAccountSponsorship({account: bob.publicKey()}),
  ];
  const stored: StoredOp[] = [
    ...kinds.flatMap((op) => opsOf([op])),
    ...opsOf(kinds.slice(0, 8), {successful: false}),
    ...opsOf(kinds.slice(0, 3), {muxedSource: true}),
  ];

  for (const base of ["http://127.0.0.1:8000", "https://h.example", 'http://we"ird\\host']) {
    it(`writes the bytes JSON.stringify(operationRecord) writes, every kind, base ${base}`, () => {
      for (const sop of stored) {
        assert.equal(operationJson(sop, base), JSON.stringify(operationRecord(sop, base)), `${sop.op.type} ${sop.id}`);
      }
    });
  }

  it("writes a payment's members as operationRecord does, over many seeded payments (assets, amounts, codes needing escapes)", () => {
    const seed = Number(process.env.SEED ?? 20261128);
    let state = seed >>> 0;
    // mulberry32: a small seeded generator, so a failure can be replayed with SEED=<seed>.
    const rand = (): number => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const accounts = [alice, bob, anchor].map((k) => k.publicKey());
    const codeChars = ["A", "z", "9", '"', "\\", "\n", "é", "☕", "\u0001"];
    const template = stored.find((s) => s.op.type === "payment" && s.transactionSuccessful)!;
    for (let i = 0; i < 2000; i++) {
      const code = Array.from({length: 1 + Math.floor(rand() * 12)}, () => pick(codeChars)).join("");
      const asset: LedgerAsset =
        rand() < 0.3 ? {type: "native"} : {type: code.length <= 4 ? "credit_alphanum4" : "credit_alphanum12", code, issuer: pick(accounts)};
      // Amounts over the whole int64 range, and small ones.
      const amount = rand() < 0.5 ? BigInt(Math.floor(rand() * 1e9)) : (BigInt(Math.floor(rand() * 2 ** 31)) << 32n) | BigInt(Math.floor(rand() * 2 ** 32));
      const sop: StoredOp = {
        ...template,
        id: String(BigInt(1 + i) << 12n),
        txHash: (i.toString(16).padStart(8, "0")).repeat(8),
        closedAt: 1_700_000_000 + Math.floor(rand() * 1e8),
        transactionSuccessful: rand() < 0.8,
        sourceAccount: pick(accounts),
        op: {type: "payment", source: null, destination: pick(accounts), asset, amount},
        envelopeXdr: undefined,
      };
      const base = pick(["http://127.0.0.1:8000", 'http://we"ird\\host']);
      assert.equal(operationJson(sop, base), JSON.stringify(operationRecord(sop, base)), `seed ${seed}, payment ${i}`);
    }
  });

  it("covers the kinds it was given", () => {
    const types = new Set(stored.map((s) => s.op.type));
    assert.ok(types.size >= 18, [...types].join(" "));
  });
});
