/**
 * Transaction meta: what applying a transaction changed, entry by entry, as stellar-core reports
 * it to Horizon (`fee_meta_xdr`, `result_meta_xdr`) and as effects are derived from.
 *
 * Apply captures plain before/after snapshots (cheap copies of the entries a layer wrote); the
 * XDR (`LedgerEntryChanges`, `TransactionMeta` v3, the version stellar-core emits for every
 * transaction from protocol 20 on) is built from them once per ledger when records are made.
 */
import {Keypair, SignerKey, xdr} from "@stellar/stellar-base";
import {cloneEntry, type LedgerTxn} from "./state.js";
import type {
  AccountEntry,
  Asset,
  ClaimableBalanceEntry,
  ClaimPredicate,
  DataEntry,
  LedgerEntry,
  LedgerHeader,
  LedgerStateReader,
  OfferEntry,
  TrustLineEntry,
} from "./types.js";
import {numSponsoring} from "./types.js";
import {XdrWriter} from "../util/xdr-writer.js";

/** One entry's change: before (null: created) and after (null: removed). */
export interface EntryDelta {
  before: LedgerEntry | null;
  after: LedgerEntry | null;
}

/** A transaction's meta in plain form. */
export interface TxMeta {
  /** Fee phase: the fee source before and after its fee was charged. */
  fee: EntryDelta[];
  /** Before the operations: sequence number consumed, one-time signers removed. */
  before: EntryDelta[];
  /** Per operation, in order; empty when the transaction failed (its operations left nothing). */
  operations: EntryDelta[][];
}

/**
 * Sorts keys in place in plain string order, as Array.prototype.sort without a comparator. A
 * layer writes a handful of keys; the built-in sort allocates its work state even for two.
 */
export function sortKeys(keys: string[]): string[] {
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

/**
 * What `layer` wrote relative to `parent`, sorted by key so the meta does not depend on write
 * order. Both sides are the layers' own objects, not copies: an entry a layer committed is never
 * written again (a later layer loads a copy of it, and the close stamps lastModifiedLedger on
 * copies), so the snapshots stay as they were when the layer ended.
 */
export function layerDeltas(layer: LedgerTxn, parent: LedgerStateReader): EntryDelta[] {
  const keys = sortKeys(layer.changedKeys());
  const out: EntryDelta[] = [];
  for (const key of keys) {
    const after = layer.changed(key) ?? null;
    const before = parent.getEntry(key) ?? null;
    if (before === null && after === null) continue;
    out.push({before, after});
  }
  return out;
}

/**
 * A delta of one entry the fee phase mutates in place: `before` is already a copy taken before
 * the fee was charged, the after state is copied (the next fee of the same source changes it).
 */
export function entryDelta(before: LedgerEntry, after: LedgerEntry): EntryDelta {
  return {before, after: cloneEntry(after)};
}

/**
 * Decoding a G… StrKey (base32 and CRC) costs more than building the rest of an entry, and a
 * ledger's meta names each account 4-6 times: keep the decoded ids of recent accounts.
 */
const ACCOUNT_ID_CACHE_MAX = 50_000;
const accountIds = new Map<string, xdr.AccountId>();

export function accountIdXdr(id: string): xdr.AccountId {
  let x = accountIds.get(id);
  if (x === undefined) {
    if (accountIds.size >= ACCOUNT_ID_CACHE_MAX) accountIds.clear();
    x = Keypair.fromPublicKey(id).xdrAccountId();
    accountIds.set(id, x);
  }
  return x;
}

function accountXdr(a: AccountEntry): xdr.AccountEntry {
  const t = a.thresholds;
  const signers = a.signers.map((s) => new xdr.Signer({key: SignerKey.decodeAddress(s.key), weight: s.weight}));
  // Extensions as stellar-core grows them: v3 (sequence ledger and time, CAP-21) sits inside v2
  // (sponsorship counts, one sponsor slot per signer) inside v1 (liabilities).
  const sponsoring = numSponsoring(a);
  const needV3 = a.seqLedger !== 0 || a.seqTime !== 0n;
  const needV2 = needV3 || sponsoring !== 0;
  const needV1 = needV2 || a.buyingLiabilities !== 0n || a.sellingLiabilities !== 0n;
  let ext = new xdr.AccountEntryExt(0);
  if (needV1) {
    let v1Ext = new xdr.AccountEntryExtensionV1Ext(0);
    if (needV2) {
      const v2Ext = needV3
        ? new xdr.AccountEntryExtensionV2Ext(
            3,
            new xdr.AccountEntryExtensionV3({
              ext: new xdr.ExtensionPoint(0),
              seqLedger: a.seqLedger,
              seqTime: xdr.Uint64.fromString(a.seqTime.toString()),
            }),
          )
        : new xdr.AccountEntryExtensionV2Ext(0);
      const v2 = new xdr.AccountEntryExtensionV2({
        numSponsored: 0,
        numSponsoring: sponsoring,
        // SponsorshipDescriptor is an optional AccountID (null: not sponsored); the typings omit the null.
        signerSponsoringIDs: a.signers.map(() => null as unknown as xdr.SponsorshipDescriptor),
        ext: v2Ext,
      });
      v1Ext = new xdr.AccountEntryExtensionV1Ext(2, v2);
    }
    const v1 = new xdr.AccountEntryExtensionV1({
      liabilities: new xdr.Liabilities({
        buying: xdr.Int64.fromString(a.buyingLiabilities.toString()),
        selling: xdr.Int64.fromString(a.sellingLiabilities.toString()),
      }),
      ext: v1Ext,
    });
    ext = new xdr.AccountEntryExt(1, v1);
  }
  return new xdr.AccountEntry({
    accountId: accountIdXdr(a.accountId),
    balance: xdr.Int64.fromString(a.balance.toString()),
    seqNum: xdr.Int64.fromString(a.seqNum.toString()),
    numSubEntries: a.numSubEntries,
    inflationDest: a.inflationDest === null ? null : accountIdXdr(a.inflationDest),
    flags: a.flags,
    homeDomain: a.homeDomain,
    thresholds: Buffer.from([t.master, t.low, t.med, t.high]),
    signers,
    ext,
  });
}

function dataXdr(d: DataEntry): xdr.DataEntry {
  return new xdr.DataEntry({
    accountId: accountIdXdr(d.accountId),
    dataName: d.name,
    dataValue: Buffer.from(d.value),
    ext: new xdr.DataEntryExt(0),
  });
}

/** Stellar's Asset XDR. Codes are right-padded with zero bytes to 4 or 12. */
export function assetXdr(a: Asset): xdr.Asset {
  if (a.type === "native") return xdr.Asset.assetTypeNative();
  if (a.type === "credit_alphanum4") {
    const code = Buffer.alloc(4);
    code.write(a.code, "ascii");
    return xdr.Asset.assetTypeCreditAlphanum4(new xdr.AlphaNum4({assetCode: code, issuer: accountIdXdr(a.issuer)}));
  }
  const code = Buffer.alloc(12);
  code.write(a.code, "ascii");
  return xdr.Asset.assetTypeCreditAlphanum12(new xdr.AlphaNum12({assetCode: code, issuer: accountIdXdr(a.issuer)}));
}

function trustLineAssetXdr(a: TrustLineEntry["asset"]): xdr.TrustLineAsset {
  const x = assetXdr(a);
  return a.type === "credit_alphanum4"
    ? xdr.TrustLineAsset.assetTypeCreditAlphanum4(x.alphaNum4())
    : xdr.TrustLineAsset.assetTypeCreditAlphanum12(x.alphaNum12());
}

/** Int64 XDR from the bigint itself (the same value as through its decimal string, without the two conversions). */
function int64(v: bigint): xdr.Int64 {
  return new xdr.Int64(v);
}

function trustLineXdr(t: TrustLineEntry): xdr.TrustLineEntry {
  const hasLiabilities = t.buyingLiabilities !== 0n || t.sellingLiabilities !== 0n;
  const ext = hasLiabilities
    ? new xdr.TrustLineEntryExt(
        1,
        new xdr.TrustLineEntryV1({
          liabilities: new xdr.Liabilities({buying: int64(t.buyingLiabilities), selling: int64(t.sellingLiabilities)}),
          ext: new xdr.TrustLineEntryV1Ext(0),
        }),
      )
    : new xdr.TrustLineEntryExt(0);
  return new xdr.TrustLineEntry({
    accountId: accountIdXdr(t.accountId),
    asset: trustLineAssetXdr(t.asset),
    balance: int64(t.balance),
    limit: int64(t.limit),
    flags: t.flags,
    ext,
  });
}

/** An offer's XDR; `asset` builds its assets (a caller may pass a builder of shared ones). */
export function offerXdr(o: OfferEntry, asset: (a: Asset) => xdr.Asset = assetXdr): xdr.OfferEntry {
  return new xdr.OfferEntry({
    sellerId: accountIdXdr(o.sellerId),
    offerId: int64(o.offerId),
    selling: asset(o.selling),
    buying: asset(o.buying),
    amount: int64(o.amount),
    price: new xdr.Price({n: o.price.n, d: o.price.d}),
    flags: o.flags,
    ext: new xdr.OfferEntryExt(0),
  });
}

export function claimPredicateXdr(p: ClaimPredicate): xdr.ClaimPredicate {
  switch (p.type) {
    case "unconditional":
      return xdr.ClaimPredicate.claimPredicateUnconditional();
    case "and":
      return xdr.ClaimPredicate.claimPredicateAnd(p.predicates.map(claimPredicateXdr));
    case "or":
      return xdr.ClaimPredicate.claimPredicateOr(p.predicates.map(claimPredicateXdr));
    case "not":
      // The typings omit the optional (null) arm.
      return xdr.ClaimPredicate.claimPredicateNot((p.predicate === null ? null : claimPredicateXdr(p.predicate)) as xdr.ClaimPredicate);
    case "before_absolute_time":
      return xdr.ClaimPredicate.claimPredicateBeforeAbsoluteTime(int64(p.time));
    case "before_relative_time":
      return xdr.ClaimPredicate.claimPredicateBeforeRelativeTime(int64(p.seconds));
  }
}

export function claimableBalanceIdXdr(hex: string): xdr.ClaimableBalanceId {
  return xdr.ClaimableBalanceId.claimableBalanceIdTypeV0(Buffer.from(hex, "hex"));
}

function claimableBalanceXdr(c: ClaimableBalanceEntry): xdr.ClaimableBalanceEntry {
  const ext =
    c.flags !== 0
      ? new xdr.ClaimableBalanceEntryExt(1, new xdr.ClaimableBalanceEntryExtensionV1({ext: new xdr.ClaimableBalanceEntryExtensionV1Ext(0), flags: c.flags}))
      : new xdr.ClaimableBalanceEntryExt(0);
  return new xdr.ClaimableBalanceEntry({
    balanceId: claimableBalanceIdXdr(c.balanceId),
    claimants: c.claimants.map((cl) =>
      xdr.Claimant.claimantTypeV0(new xdr.ClaimantV0({destination: accountIdXdr(cl.destination), predicate: claimPredicateXdr(cl.predicate)})),
    ),
    asset: assetXdr(c.asset),
    amount: int64(c.amount),
    ext,
  });
}

function entryDataXdr(e: LedgerEntry): xdr.LedgerEntryData {
  switch (e.type) {
    case "account":
      return xdr.LedgerEntryData.account(accountXdr(e));
    case "data":
      return xdr.LedgerEntryData.data(dataXdr(e));
    case "trustline":
      return xdr.LedgerEntryData.trustline(trustLineXdr(e));
    case "offer":
      return xdr.LedgerEntryData.offer(offerXdr(e));
    case "claimable_balance":
      return xdr.LedgerEntryData.claimableBalance(claimableBalanceXdr(e));
  }
}

/** The XDR LedgerEntry of a node entry; `lastModified` overrides the entry's own (for post-states). */
export function ledgerEntryXdr(e: LedgerEntry, lastModified = e.lastModifiedLedger): xdr.LedgerEntry {
  // A claimable balance is always sponsored (by its creator), which Stellar records in the entry's extension.
  const ext =
    e.type === "claimable_balance"
      ? new xdr.LedgerEntryExt(1, new xdr.LedgerEntryExtensionV1({sponsoringId: accountIdXdr(e.sponsor), ext: new xdr.LedgerEntryExtensionV1Ext(0)}))
      : new xdr.LedgerEntryExt(0);
  return new xdr.LedgerEntry({lastModifiedLedgerSeq: lastModified, data: entryDataXdr(e), ext});
}

export function ledgerKeyXdr(e: LedgerEntry): xdr.LedgerKey {
  switch (e.type) {
    case "account":
      return xdr.LedgerKey.account(new xdr.LedgerKeyAccount({accountId: accountIdXdr(e.accountId)}));
    case "data":
      return xdr.LedgerKey.data(new xdr.LedgerKeyData({accountId: accountIdXdr(e.accountId), dataName: e.name}));
    case "trustline":
      return xdr.LedgerKey.trustline(new xdr.LedgerKeyTrustLine({accountId: accountIdXdr(e.accountId), asset: trustLineAssetXdr(e.asset)}));
    case "offer":
      return xdr.LedgerKey.offer(new xdr.LedgerKeyOffer({sellerId: accountIdXdr(e.sellerId), offerId: int64(e.offerId)}));
    case "claimable_balance":
      return xdr.LedgerKey.claimableBalance(new xdr.LedgerKeyClaimableBalance({balanceId: claimableBalanceIdXdr(e.balanceId)}));
  }
}

/**
 * stellar-core's LedgerEntryChanges: an update is the state before then the entry after, a
 * creation only the entry, a removal the state before then the key. Written entries carry the
 * ledger that wrote them as lastModifiedLedgerSeq.
 */
export function entryChangesXdr(deltas: EntryDelta[], ledgerSeq: number): xdr.LedgerEntryChange[] {
  const out: xdr.LedgerEntryChange[] = [];
  for (const d of deltas) {
    if (d.before === null) {
      if (d.after !== null) out.push(xdr.LedgerEntryChange.ledgerEntryCreated(ledgerEntryXdr(d.after, ledgerSeq)));
      continue;
    }
    out.push(xdr.LedgerEntryChange.ledgerEntryState(ledgerEntryXdr(d.before)));
    if (d.after === null) out.push(xdr.LedgerEntryChange.ledgerEntryRemoved(ledgerKeyXdr(d.before)));
    else out.push(xdr.LedgerEntryChange.ledgerEntryUpdated(ledgerEntryXdr(d.after, ledgerSeq)));
  }
  return out;
}

/*
 * Meta as XDR bytes written straight into a buffer (util/xdr-writer.ts). Building js-xdr objects
 * and serializing them costs ~50 µs for a payment's meta; result_meta_xdr is built on every read
 * of a tx, so the account entries every tx has are written here field by field, in the order and
 * with the extension arms accountXdr picks. Other kinds go through their js-xdr builders above
 * (the tests check both paths give the same bytes).
 */
const LEDGER_ENTRY_CREATED = 0;
const LEDGER_ENTRY_UPDATED = 1;
const LEDGER_ENTRY_REMOVED = 2;
const LEDGER_ENTRY_STATE = 3;

function writeAccountId(w: XdrWriter, id: string): void {
  w.i32(0); // PUBLIC_KEY_TYPE_ED25519
  w.bytes(accountIdXdr(id).ed25519());
}

/** A LedgerEntry of an account: the same bytes as ledgerEntryXdr(a, lastModified).toXDR(). */
function writeAccountLedgerEntry(w: XdrWriter, a: AccountEntry, lastModified: number): void {
  w.u32(lastModified);
  w.i32(0); // ACCOUNT
  writeAccountId(w, a.accountId);
  w.i64(a.balance);
  w.i64(a.seqNum);
  w.u32(a.numSubEntries);
  if (a.inflationDest === null) w.u32(0);
  else {
    w.u32(1);
    writeAccountId(w, a.inflationDest);
  }
  w.u32(a.flags);
  w.varBytes(Buffer.from(a.homeDomain, "utf8"));
  const t = a.thresholds;
  w.bytes(Buffer.from([t.master, t.low, t.med, t.high]));
  w.u32(a.signers.length);
  for (const s of a.signers) {
    w.bytes(SignerKey.decodeAddress(s.key).toXDR());
    w.u32(s.weight);
  }
  // The same extension arms as accountXdr.
  const sponsoring = numSponsoring(a);
  const needV3 = a.seqLedger !== 0 || a.seqTime !== 0n;
  const needV2 = needV3 || sponsoring !== 0;
  const needV1 = needV2 || a.buyingLiabilities !== 0n || a.sellingLiabilities !== 0n;
  w.i32(needV1 ? 1 : 0);
  if (needV1) {
    w.i64(a.buyingLiabilities);
    w.i64(a.sellingLiabilities);
    w.i32(needV2 ? 2 : 0);
    if (needV2) {
      w.u32(0); // numSponsored
      w.u32(sponsoring);
      w.u32(a.signers.length);
      for (let i = 0; i < a.signers.length; i++) w.u32(0); // no signer is sponsored
      w.i32(needV3 ? 3 : 0);
      if (needV3) {
        w.i32(0); // ExtensionPoint
        w.u32(a.seqLedger);
        w.u64(a.seqTime);
      }
    }
  }
  w.i32(0); // LedgerEntry ext v0
}

function writeLedgerEntry(w: XdrWriter, e: LedgerEntry, lastModified: number): void {
  if (e.type === "account") writeAccountLedgerEntry(w, e, lastModified);
  else w.bytes(ledgerEntryXdr(e, lastModified).toXDR());
}

/** LedgerEntryChanges (count, then each change), as entryChangesXdr's objects serialize. */
function writeEntryChanges(w: XdrWriter, deltas: EntryDelta[], ledgerSeq: number): void {
  let count = 0;
  for (const d of deltas) count += d.before === null ? (d.after === null ? 0 : 1) : 2;
  w.u32(count);
  for (const d of deltas) {
    if (d.before === null) {
      if (d.after === null) continue;
      w.i32(LEDGER_ENTRY_CREATED);
      writeLedgerEntry(w, d.after, ledgerSeq);
      continue;
    }
    w.i32(LEDGER_ENTRY_STATE);
    writeLedgerEntry(w, d.before, d.before.lastModifiedLedger);
    if (d.after === null) {
      w.i32(LEDGER_ENTRY_REMOVED);
      w.bytes(ledgerKeyXdr(d.before).toXDR());
    } else {
      w.i32(LEDGER_ENTRY_UPDATED);
      writeLedgerEntry(w, d.after, ledgerSeq);
    }
  }
}

/** `fee_meta_xdr`: the fee phase's LedgerEntryChanges. */
export function feeMetaXdr(meta: TxMeta, ledgerSeq: number): Buffer {
  const w = new XdrWriter();
  writeEntryChanges(w, meta.fee, ledgerSeq);
  return w.done();
}

/** `result_meta_xdr`: TransactionMeta v3 (no Soroban meta for classic transactions). */
export function transactionMetaXdr(meta: TxMeta, ledgerSeq: number): Buffer {
  const w = new XdrWriter();
  w.i32(3);
  w.i32(0); // ExtensionPoint
  writeEntryChanges(w, meta.before, ledgerSeq);
  w.u32(meta.operations.length);
  for (const ops of meta.operations) writeEntryChanges(w, ops, ledgerSeq);
  w.u32(0); // txChangesAfter
  w.u32(0); // sorobanMeta: none
  return w.done();
}

function hashXdr(hex: string): Buffer {
  return Buffer.from(hex, "hex");
}

/**
 * Horizon's `header_xdr`: the header as an XDR LedgerHeader. The node's own hash chain is over
 * its canonical encoding (header.ts), so this is a view of the same fields, not what is hashed;
 * the state hash fills bucketListHash, the field that commits to state in Stellar.
 */
export function ledgerHeaderXdr(h: LedgerHeader): xdr.LedgerHeader {
  return new xdr.LedgerHeader({
    ledgerVersion: h.protocolVersion,
    previousLedgerHash: hashXdr(h.prevHash),
    scpValue: new xdr.StellarValue({
      txSetHash: hashXdr(h.txSetHash),
      closeTime: xdr.Uint64.fromString(String(h.closeTime)),
      upgrades: [],
      ext: xdr.StellarValueExt.stellarValueBasic(),
    }),
    txSetResultHash: hashXdr(h.txResultsHash),
    bucketListHash: hashXdr(h.stateHash),
    ledgerSeq: h.seq,
    totalCoins: xdr.Int64.fromString(h.totalCoins.toString()),
    feePool: xdr.Int64.fromString(h.feePool.toString()),
    inflationSeq: 0,
    idPool: xdr.Uint64.fromString(h.idPool.toString()),
    baseFee: h.baseFee,
    baseReserve: h.baseReserve,
    maxTxSetSize: h.maxTxSetSize,
    skipList: [Buffer.alloc(32), Buffer.alloc(32), Buffer.alloc(32), Buffer.alloc(32)],
    ext: new xdr.LedgerHeaderExt(0),
  });
}
