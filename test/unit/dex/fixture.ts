/** A TestLedger with credit assets: trustlines written straight into state (the trust ops are not under test here), and the book invariants. */
import assert from "node:assert/strict";
import {Asset, Keypair, TestLedger, xdr} from "../tx/harness.js";
import {
  accountKey,
  AUTHORIZED_FLAG,
  trustLineKey,
  type AccountEntry,
  type Asset as LedgerAsset,
  type CreditAsset,
  type OfferEntry,
  type TrustLineEntry,
} from "../../../src/ledger/types.js";
import {offerBuyingLiabilities, offerSellingLiabilities} from "../../../src/dex/exchange.js";
import type {LedgerCloseResult} from "../../../src/tx/interface.js";

export const D = 10_000_000n;
export const MAX = 9_223_372_036_854_775_807n;

export function credit(code: string, issuer: Keypair): {sdk: Asset; asset: CreditAsset} {
  return {sdk: new Asset(code, issuer.publicKey()), asset: {type: code.length <= 4 ? "credit_alphanum4" : "credit_alphanum12", code, issuer: issuer.publicKey()}};
}

export const NATIVE: LedgerAsset = {type: "native"};

export class DexLedger extends TestLedger {
  /** Gives `kp` an authorized trustline holding `balance` (the issuer's supply is implicit). */
  trust(kp: Keypair, asset: CreditAsset, balance: bigint, limit = MAX, flags = AUTHORIZED_FLAG): void {
    const id = kp.publicKey();
    const line: TrustLineEntry = {type: "trustline", accountId: id, asset, balance, limit, flags, buyingLiabilities: 0n, sellingLiabilities: 0n, lastModifiedLedger: this.header.seq};
    this.entries.set(trustLineKey(id, asset), line);
    const a = this.account(id)!;
    this.entries.set(accountKey(id), {...a, numSubEntries: a.numSubEntries + 1});
  }

  line(kp: Keypair, asset: CreditAsset): TrustLineEntry {
    return this.entries.get(trustLineKey(kp.publicKey(), asset)) as TrustLineEntry;
  }

  acct(kp: Keypair): AccountEntry {
    return this.account(kp.publicKey())!;
  }

  offers(): OfferEntry[] {
    const out: OfferEntry[] = [];
    for (const e of this.entries.values()) if (e.type === "offer") out.push(e);
    return out.sort((a, b) => (a.offerId < b.offerId ? -1 : 1));
  }

  offersOf(kp: Keypair): OfferEntry[] {
    return this.offers().filter((o) => o.sellerId === kp.publicKey());
  }

  /** Closes one ledger and checks the book invariants on the result. */
  closeChecked(txs: Parameters<TestLedger["close"]>[0]): LedgerCloseResult {
    const r = this.close(txs);
    assertBookInvariants(this);
    return r;
  }
}

/**
 * Every holding's liabilities equal the sum over its owner's open offers, no offer sells more than
 * its seller can, and every offer counts as one sub-entry.
 */
export function assertBookInvariants(l: DexLedger): void {
  const buying = new Map<string, bigint>();
  const selling = new Map<string, bigint>();
  const count = new Map<string, number>();
  const key = (id: string, a: LedgerAsset): string => (a.type === "native" ? accountKey(id) : trustLineKey(id, a));
  for (const o of l.offers()) {
    assert.ok(o.amount > 0n, `offer ${o.offerId} has amount ${o.amount}`);
    const bk = key(o.sellerId, o.buying);
    const sk = key(o.sellerId, o.selling);
    buying.set(bk, (buying.get(bk) ?? 0n) + offerBuyingLiabilities(o.price, o.amount));
    selling.set(sk, (selling.get(sk) ?? 0n) + offerSellingLiabilities(o.price, o.amount));
    count.set(o.sellerId, (count.get(o.sellerId) ?? 0) + 1);
  }
  const lines = new Map<string, number>();
  for (const [k, e] of l.entries) {
    if (e.type === "trustline") lines.set(e.accountId, (lines.get(e.accountId) ?? 0) + 1);
    if (e.type !== "account" && e.type !== "trustline") continue;
    assert.equal(e.buyingLiabilities, buying.get(k) ?? 0n, `buying liabilities of ${k}`);
    assert.equal(e.sellingLiabilities, selling.get(k) ?? 0n, `selling liabilities of ${k}`);
    if (e.type === "trustline") assert.ok(e.balance >= e.sellingLiabilities && e.balance + e.buyingLiabilities <= e.limit, `line ${k} within its liabilities`);
  }
  for (const e of l.entries.values()) {
    if (e.type !== "account") continue;
    let data = 0;
    for (const x of l.entries.values()) if (x.type === "data" && x.accountId === e.accountId) data++;
    assert.equal(e.numSubEntries, e.signers.length + data + (lines.get(e.accountId) ?? 0) + (count.get(e.accountId) ?? 0), `sub-entries of ${e.accountId}`);
  }
}

/** The op result of the first tx's `i`-th operation, decoded from the result XDR. */
export function opResultOf(r: LedgerCloseResult, tx = 0, i = 0): xdr.OperationResult {
  return xdr.TransactionResult.fromXDR(r.applied[tx]!.resultXdr).result().results()[i]!;
}

export function codesOf(r: LedgerCloseResult, tx = 0): string[] {
  return r.applied[tx]!.resultCodes.operations ?? [];
}
