/**
 * Balances of any asset, as stellar-core's TransactionUtils and TrustLineWrapper define them:
 * available balance, room to receive, and balance and liability changes that refuse to break a
 * reserve, a limit or int64. A native balance lives in the account; a credit balance in the
 * holder's trustline; an asset's issuer holds an implicit, always-authorized line of unlimited
 * size (it mints by paying and burns by being paid).
 *
 * Every function takes the entry already loaded (mutable copy) from the operation's layer.
 * Credit the issuer pays out or takes back through `addBalance` is recorded in that layer as
 * minted or burned (LedgerTxn.addIssued): the close's invariant checks every other change of an
 * asset's supply is zero. Code that burns credit without the issuer's holding (a clawback from a
 * trustline) records it with `addIssued` itself.
 */
import type {LedgerTxn} from "../../ledger/state.js";
import type {AccountEntry, AccountId, Asset, CreditAsset, TrustLineEntry} from "../../ledger/types.js";
import {assetKey, AUTHORIZED_FLAG, AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG, trustLineKey} from "../../ledger/types.js";
import {INT64_MAX, minBalanceOf} from "./context.js";

export function isAuthorized(t: TrustLineEntry): boolean {
  return (t.flags & AUTHORIZED_FLAG) !== 0;
}

export function isAuthorizedToMaintainLiabilities(t: TrustLineEntry): boolean {
  return (t.flags & (AUTHORIZED_FLAG | AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG)) !== 0;
}

/**
 * Where an account holds an asset: its account (native), its trustline, or the implicit line of
 * the asset's issuer. Undefined when a non-issuer has no trustline.
 */
export type Holding =
  | {kind: "native"; account: AccountEntry}
  | {kind: "line"; line: TrustLineEntry}
  /** The issuer's own asset: `ltx` is the layer it was loaded in, where mint and burn are recorded. */
  | {kind: "issuer"; asset: CreditAsset; ltx: LedgerTxn};

/** The holding as a read-only view (getEntry), for checks that change nothing. */
export function viewHolding(ltx: LedgerTxn, accountId: AccountId, asset: Asset): Holding | undefined {
  if (asset.type === "native") {
    const account = ltx.getAccount(accountId);
    return account === undefined ? undefined : {kind: "native", account};
  }
  if (accountId === asset.issuer) return {kind: "issuer", asset, ltx};
  const e = ltx.getEntry(trustLineKey(accountId, asset));
  return e !== undefined && e.type === "trustline" ? {kind: "line", line: e} : undefined;
}

/** The holding loaded for writing (this layer's copies). */
export function loadHolding(ltx: LedgerTxn, accountId: AccountId, asset: Asset): Holding | undefined {
  if (asset.type === "native") {
    const account = ltx.loadAccount(accountId);
    return account === undefined ? undefined : {kind: "native", account};
  }
  if (accountId === asset.issuer) return {kind: "issuer", asset, ltx};
  const e = ltx.load(trustLineKey(accountId, asset));
  return e !== undefined && e.type === "trustline" ? {kind: "line", line: e} : undefined;
}

export function loadTrustLine(ltx: LedgerTxn, accountId: AccountId, asset: CreditAsset): TrustLineEntry | undefined {
  const e = ltx.load(trustLineKey(accountId, asset));
  return e !== undefined && e.type === "trustline" ? e : undefined;
}

export function holdingAuthorized(h: Holding): boolean {
  return h.kind !== "line" || isAuthorized(h.line);
}

export function holdingAuthorizedToMaintainLiabilities(h: Holding): boolean {
  return h.kind !== "line" || isAuthorizedToMaintainLiabilities(h.line);
}

export function holdingBalance(h: Holding): bigint {
  if (h.kind === "native") return h.account.balance;
  if (h.kind === "line") return h.line.balance;
  return INT64_MAX;
}

/** stellar-core's getAvailableBalance: what can be sent or sold (may be negative for native). */
export function availableToSend(h: Holding, baseReserve: bigint): bigint {
  if (h.kind === "issuer") return INT64_MAX;
  if (h.kind === "native") return h.account.balance - minBalanceOf(h.account, baseReserve) - h.account.sellingLiabilities;
  const t = h.line;
  return (isAuthorizedToMaintainLiabilities(t) ? t.balance : 0n) - t.sellingLiabilities;
}

/** stellar-core's getMaxAmountReceive: room left under the limit (or int64) after buying liabilities. */
export function availableToReceive(h: Holding): bigint {
  if (h.kind === "issuer") return INT64_MAX;
  if (h.kind === "native") return INT64_MAX - h.account.balance - h.account.buyingLiabilities;
  const t = h.line;
  return isAuthorizedToMaintainLiabilities(t) ? t.limit - t.balance - t.buyingLiabilities : 0n;
}

/**
 * stellar-core's addBalance: applies `delta` unless it would break the reserve (native), the
 * authorization, the limit, int64, or the liabilities already promised. False: nothing changed.
 */
export function addBalance(h: Holding, delta: bigint, baseReserve: bigint): boolean {
  if (delta === 0n) return true;
  if (h.kind === "issuer") {
    // What the issuer pays out is minted, what it is paid is burned.
    h.ltx.addIssued(assetKey(h.asset), -delta);
    return true;
  }
  if (h.kind === "native") {
    const a = h.account;
    const next = a.balance + delta;
    if (next < 0n) return false;
    if (delta < 0n && next - minBalanceOf(a, baseReserve) < a.sellingLiabilities) return false;
    if (next > INT64_MAX - a.buyingLiabilities) return false;
    a.balance = next;
    return true;
  }
  const t = h.line;
  if (!isAuthorizedToMaintainLiabilities(t)) return false;
  const next = t.balance + delta;
  if (next < 0n || next > t.limit) return false;
  if (delta < 0n && next < t.sellingLiabilities) return false;
  if (delta > 0n && next > t.limit - t.buyingLiabilities) return false;
  t.balance = next;
  return true;
}

/** stellar-core's addBuyingLiabilities: false (nothing changed) if the holding could not receive them. */
export function addBuyingLiabilities(h: Holding, delta: bigint): boolean {
  if (h.kind === "issuer" || delta === 0n) return true;
  if (h.kind === "native") {
    const a = h.account;
    const next = a.buyingLiabilities + delta;
    if (next < 0n || next > INT64_MAX - a.balance) return false;
    a.buyingLiabilities = next;
    return true;
  }
  const t = h.line;
  const next = t.buyingLiabilities + delta;
  if (next < 0n || next > t.limit - t.balance) return false;
  if (delta > 0n && !isAuthorizedToMaintainLiabilities(t)) return false;
  t.buyingLiabilities = next;
  return true;
}

/** stellar-core's addSellingLiabilities: false (nothing changed) if the holding could not cover them. */
export function addSellingLiabilities(h: Holding, delta: bigint, baseReserve: bigint): boolean {
  if (h.kind === "issuer" || delta === 0n) return true;
  if (h.kind === "native") {
    const a = h.account;
    const max = a.balance - minBalanceOf(a, baseReserve);
    if (max < 0n) return false;
    const next = a.sellingLiabilities + delta;
    if (next < 0n || next > max) return false;
    a.sellingLiabilities = next;
    return true;
  }
  const t = h.line;
  const next = t.sellingLiabilities + delta;
  if (next < 0n || next > t.balance) return false;
  if (delta > 0n && !isAuthorizedToMaintainLiabilities(t)) return false;
  t.sellingLiabilities = next;
  return true;
}
