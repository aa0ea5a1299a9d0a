/**
 * Horizon's effects, derived on read from an operation, its result and its meta rather than
 * stored: the disk keeps the meta anyway, and an effect row per balance change would about double
 * the history of a payment. Types, details and order follow Horizon's effects ingestion
 * (services/horizon/internal/ingest/processors/effects_processor.go); only successful
 * transactions have effects.
 */
import {StrKey, xdr} from "@stellar/stellar-base";
import type {StoredOp, StoredTx} from "../../store/types.js";
import {plainMetaOf} from "../../store/records.js";
import {entryChangesXdr} from "../../ledger/meta.js";
import {formatAmount} from "./amount.js";
import {balanceIdString, canonicalAsset, predicateJson, type PredicateJson} from "./asset.js";
import {assetFields, claimAtomOf, type AtomXdr} from "./operation.js";
import {assetFromKey, type Asset} from "../../ledger/types.js";
import {decodeAsset} from "../../tx/frame.js";
import {link, type Link} from "./links.js";
import {isoTime} from "./time.js";

type Detail = string | number | boolean | PredicateJson;

export interface Effect {
  /** Index of the effect within its operation, from 1. */
  order: number;
  account: string;
  type: string;
  details: Record<string, Detail>;
}

export interface EffectRecord {
  _links: {operation: Link; succeeds: Link; precedes: Link};
  id: string;
  paging_token: string;
  account: string;
  type: string;
  type_i: number;
  created_at: string;
  [detail: string]: Detail | EffectRecord["_links"];
}

/** Horizon's effect type numbers (history.EffectType). */
export const EFFECT_TYPE_I: Record<string, number> = {
  account_created: 0,
  account_removed: 1,
  account_credited: 2,
  account_debited: 3,
  account_thresholds_updated: 4,
  account_home_domain_updated: 5,
  account_flags_updated: 6,
  account_inflation_destination_updated: 7,
  signer_created: 10,
  signer_removed: 11,
  signer_updated: 12,
  data_created: 40,
  data_removed: 41,
  data_updated: 42,
  sequence_bumped: 43,
  trustline_created: 20,
  trustline_removed: 21,
  trustline_updated: 22,
  trustline_authorized: 23,
  trustline_deauthorized: 24,
  trustline_authorized_to_maintain_liabilities: 25,
  trustline_flags_updated: 26,
  trade: 33,
  claimable_balance_created: 50,
  claimable_balance_claimant_created: 51,
  claimable_balance_claimed: 52,
  claimable_balance_sponsorship_created: 69,
  claimable_balance_sponsorship_removed: 71,
  claimable_balance_clawed_back: 80,
};

/** A TOID-and-order position, Horizon's effect paging token "opid-order". */
export function effectPagingToken(opId: string, order: number): string {
  return `${opId}-${order}`;
}

/** What a tx's stored XDR says about each operation, decoded once per tx. */
export interface TxOutcomeXdr {
  opResults: xdr.OperationResult[];
  /** The meta of operation `i` (0-based), built on first use: most effects need none. */
  opMeta(i: number): xdr.OperationMeta | undefined;
}

export function txOutcomeXdr(tx: StoredTx): TxOutcomeXdr {
  const result = xdr.TransactionResult.fromXDR(tx.resultXdr, "base64").result();
  let opResults: xdr.OperationResult[] = [];
  const sw = result.switch();
  if (sw === xdr.TransactionResultCode.txFeeBumpInnerSuccess() || sw === xdr.TransactionResultCode.txFeeBumpInnerFailed()) {
    const inner = result.innerResultPair().result().result();
    if (inner.switch() === xdr.TransactionResultCode.txSuccess() || inner.switch() === xdr.TransactionResultCode.txFailed()) opResults = inner.results();
  } else if (sw === xdr.TransactionResultCode.txSuccess() || sw === xdr.TransactionResultCode.txFailed()) {
    opResults = result.results();
  }
  let opMeta: xdr.OperationMeta[] | undefined;
  const metaOf = (): xdr.OperationMeta[] => {
    if (opMeta !== undefined) return opMeta;
    opMeta = [];
    const plain = plainMetaOf(tx);
    if (plain !== undefined) {
      // The same OperationMeta the served result_meta_xdr holds, built without a round trip through bytes.
      opMeta = plain.operations.map((ops) => new xdr.OperationMeta({changes: entryChangesXdr(ops, tx.ledger)}));
    } else if (tx.meta !== undefined && "resultXdr" in tx.meta) {
      const meta = xdr.TransactionMeta.fromXDR(tx.meta.resultXdr);
      if (meta.switch() === 3) opMeta = meta.v3().operations();
      else if (meta.switch() === 2) opMeta = meta.v2().operations();
    }
    return opMeta;
  };
  return {opResults, opMeta: (i) => metaOf()[i]};
}

interface AccountStates {
  before: xdr.AccountEntry | null;
  after: xdr.AccountEntry | null;
}

function accountId(a: xdr.AccountEntry): string {
  return StrKey.encodeEd25519PublicKey(a.accountId().ed25519());
}

/** The source account's entry before and after the operation, from its meta. */
function accountStates(meta: xdr.OperationMeta | undefined, id: string): AccountStates {
  const out: AccountStates = {before: null, after: null};
  for (const c of meta?.changes() ?? []) {
    const arm = c.switch().name;
    const entry = arm === "ledgerEntryState" ? c.state() : arm === "ledgerEntryUpdated" ? c.updated() : arm === "ledgerEntryCreated" ? c.created() : null;
    if (entry === null || entry.data().switch().name !== "account") continue;
    const acc = entry.data().account();
    if (accountId(acc) !== id) continue;
    if (arm === "ledgerEntryState") out.before = acc;
    else out.after = acc;
  }
  return out;
}

/** Horizon's SignerSummary: the master key when its weight is above 0, then every signer. */
function signerSummary(a: xdr.AccountEntry): Map<string, number> {
  const m = new Map<string, number>();
  const master = a.thresholds()[0] ?? 0;
  if (master > 0) m.set(accountId(a), master);
  for (const s of a.signers()) {
    const k = s.key();
    let key: string;
    switch (k.switch().name) {
      case "signerKeyTypeEd25519":
        key = StrKey.encodeEd25519PublicKey(k.ed25519());
        break;
      case "signerKeyTypePreAuthTx":
        key = StrKey.encodePreAuthTx(k.preAuthTx());
        break;
      case "signerKeyTypeHashX":
        key = StrKey.encodeSha256Hash(k.hashX());
        break;
      default: {
        const p = k.ed25519SignedPayload();
        key = StrKey.encodeSignedPayload(p.toXDR());
      }
    }
    m.set(key, s.weight());
  }
  return m;
}

/** ClaimAtoms of a manage offer or path payment result, in result order (empty for any other). */
function claimAtoms(r: xdr.OperationResult | undefined): AtomXdr[] {
  if (r === undefined || r.switch().name !== "opInner") return [];
  const tr = r.tr();
  let atoms: xdr.ClaimAtom[] = [];
  switch (tr.switch().name) {
    case "manageSellOffer":
      if (tr.manageSellOfferResult().switch().name === "manageSellOfferSuccess") atoms = tr.manageSellOfferResult().success().offersClaimed();
      break;
    case "createPassiveSellOffer":
      if (tr.createPassiveSellOfferResult().switch().name === "manageSellOfferSuccess") atoms = tr.createPassiveSellOfferResult().success().offersClaimed();
      break;
    case "manageBuyOffer":
      if (tr.manageBuyOfferResult().switch().name === "manageBuyOfferSuccess") atoms = tr.manageBuyOfferResult().success().offersClaimed();
      break;
    case "pathPaymentStrictReceive":
      if (tr.pathPaymentStrictReceiveResult().switch().name === "pathPaymentStrictReceiveSuccess") atoms = tr.pathPaymentStrictReceiveResult().success().offers();
      break;
    case "pathPaymentStrictSend":
      if (tr.pathPaymentStrictSendResult().switch().name === "pathPaymentStrictSendSuccess") atoms = tr.pathPaymentStrictSendResult().success().offers();
      break;
    default:
      break;
  }
  return atoms.map(claimAtomOf).filter((a): a is AtomXdr => a !== undefined);
}

/** Asset details under a prefix ("bought_", "sold_"), from an asset key. */
function assetDetails(key: string, prefix = ""): Record<string, Detail> {
  return assetFields(assetFromKey(key), prefix);
}

/** Claimable balance entries of an operation's meta: the state before (by id) and those it created. */
function balanceChanges(meta: xdr.OperationMeta | undefined): {before: Map<string, xdr.LedgerEntry>; created: xdr.LedgerEntry[]} {
  const before = new Map<string, xdr.LedgerEntry>();
  const created: xdr.LedgerEntry[] = [];
  for (const c of meta?.changes() ?? []) {
    const arm = c.switch().name;
    if (arm === "ledgerEntryState" && c.state().data().switch().name === "claimableBalance") {
      before.set(c.state().data().claimableBalance().balanceId().v0().toString("hex"), c.state());
    } else if (arm === "ledgerEntryCreated" && c.created().data().switch().name === "claimableBalance") {
      created.push(c.created());
    }
  }
  return {before, created};
}

/** The trustline change of an operation's meta for `asset`'s line of `account`: created, updated or removed. */
function trustLineChange(meta: xdr.OperationMeta | undefined, account: string): "trustline_created" | "trustline_updated" | "trustline_removed" | null {
  for (const c of meta?.changes() ?? []) {
    const arm = c.switch().name;
    if (arm === "ledgerEntryCreated" && c.created().data().switch().name === "trustline") {
      if (StrKey.encodeEd25519PublicKey(c.created().data().trustLine().accountId().ed25519()) === account) return "trustline_created";
    } else if (arm === "ledgerEntryUpdated" && c.updated().data().switch().name === "trustline") {
      if (StrKey.encodeEd25519PublicKey(c.updated().data().trustLine().accountId().ed25519()) === account) return "trustline_updated";
    } else if (arm === "ledgerEntryRemoved" && c.removed().switch().name === "trustline") {
      if (StrKey.encodeEd25519PublicKey(c.removed().trustLine().accountId().ed25519()) === account) return "trustline_removed";
    }
  }
  return null;
}

/**
 * Horizon's trustline flag details. The maintain-liabilities key is the one Horizon's effect
 * resource declares (its ingestion writes a misspelt key the resource never reads).
 */
function trustLineFlagDetails(flags: number, value: boolean): Record<string, Detail> {
  const out: Record<string, Detail> = {};
  if ((flags & 1) !== 0) out.authorized_flag = value;
  if ((flags & 2) !== 0) out.authorized_to_maintain_liabilites_flag = value;
  if ((flags & 4) !== 0) out.clawback_enabled_flag = value;
  return out;
}

const FLAG_DETAILS: [number, string][] = [
  [1, "auth_required_flag"],
  [2, "auth_revocable_flag"],
  [4, "auth_immutable_flag"],
  [8, "auth_clawback_enabled_flag"],
];

/** The effects of one operation of a successful transaction, in Horizon's order. */
export function operationEffects(sop: StoredOp, outcome: TxOutcomeXdr): Effect[] {
  const out: Effect[] = [];
  const add = (account: string, type: string, details: Record<string, Detail> = {}): void => {
    out.push({order: out.length + 1, account, type, details});
  };
  if (!sop.transactionSuccessful) return out;
  const src = sop.sourceAccount;
  const meta = (): xdr.OperationMeta | undefined => outcome.opMeta(sop.opIndex - 1);
  const op = sop.op;
  switch (op.type) {
    case "create_account": {
      const amount = formatAmount(op.startingBalance);
      add(op.destination, "account_created", {starting_balance: amount});
      add(src, "account_debited", {asset_type: "native", amount});
      add(op.destination, "signer_created", {public_key: op.destination, weight: 1, key: ""});
      break;
    }
    case "payment": {
      const details = {amount: formatAmount(op.amount), ...assetFields(op.asset)};
      add(op.destination, "account_credited", details);
      add(src, "account_debited", details);
      break;
    }
    case "path_payment_strict_receive":
    case "path_payment_strict_send": {
      const r = outcome.opResults[sop.opIndex - 1];
      const atoms = claimAtoms(r);
      let received: bigint;
      let sent: bigint;
      if (op.type === "path_payment_strict_receive") {
        received = op.destAmount;
        const last = r?.tr().pathPaymentStrictReceiveResult().success().last();
        // Horizon's SendAmount: the first hop's offers (those buying what the first one bought).
        sent = atoms.length === 0 ? BigInt(last?.amount().toString() ?? "0") : 0n;
        for (const a of atoms) {
          if (a.assetBought !== atoms[0]!.assetBought) break;
          sent += a.amountBought;
        }
      } else {
        sent = op.sendAmount;
        received = BigInt(r?.tr().pathPaymentStrictSendResult().success().last().amount().toString() ?? "0");
      }
      add(op.destination, "account_credited", {amount: formatAmount(received), ...assetFields(op.destAsset)});
      add(src, "account_debited", {amount: formatAmount(sent), ...assetFields(op.sendAsset)});
      tradeEffects(add, src, atoms);
      break;
    }
    case "manage_sell_offer":
    case "manage_buy_offer":
    case "create_passive_sell_offer":
      tradeEffects(add, src, claimAtoms(outcome.opResults[sop.opIndex - 1]));
      break;
    case "change_trust": {
      // An issuer trusting its own asset changes no entry and has no effect.
      const kind = trustLineChange(meta(), src);
      if (kind !== null) add(src, kind, {...assetFields(op.line), limit: formatAmount(op.limit)});
      break;
    }
    case "allow_trust": {
      const asset: Asset = {type: op.assetType, code: op.assetCode, issuer: src};
      const short = {trustor: op.trustor, asset_type: asset.type, asset_code: op.assetCode};
      const flagsBase = {trustor: op.trustor, ...assetFields(asset)};
      if ((op.authorize & 1) !== 0) {
        add(src, "trustline_authorized", short);
        add(src, "trustline_flags_updated", {...flagsBase, ...trustLineFlagDetails(1, true)});
      } else if ((op.authorize & 2) !== 0) {
        add(src, "trustline_authorized_to_maintain_liabilities", short);
        add(src, "trustline_flags_updated", {...flagsBase, ...trustLineFlagDetails(2, true)});
      } else {
        add(src, "trustline_deauthorized", short);
        add(src, "trustline_flags_updated", {...flagsBase, ...trustLineFlagDetails(3, false)});
      }
      break;
    }
    case "set_trust_line_flags":
      add(src, "trustline_flags_updated", {
        trustor: op.trustor,
        ...assetFields(op.asset),
        ...trustLineFlagDetails(op.setFlags, true),
        ...trustLineFlagDetails(op.clearFlags, false),
      });
      break;
    case "clawback": {
      // The clawed-back amount is burned; Horizon still credits the issuer.
      const details = {amount: formatAmount(op.amount), ...assetFields(op.asset)};
      add(src, "account_credited", details);
      add(op.from, "account_debited", details);
      break;
    }
    case "create_claimable_balance": {
      const {created} = balanceChanges(meta());
      const entry = created[0];
      if (entry === undefined) break;
      const id = balanceIdString(entry.data().claimableBalance().balanceId().v0().toString("hex"));
      const amount = formatAmount(op.amount);
      const asset = canonicalAsset(op.asset);
      add(src, "claimable_balance_created", {asset, balance_id: id, amount});
      // The operation's predicates, as submitted (the entry holds relative times made absolute).
      for (const c of op.claimants) add(c.destination, "claimable_balance_claimant_created", {asset, balance_id: id, amount, predicate: predicateJson(c.predicate)});
      add(src, "account_debited", {amount, ...assetFields(op.asset)});
      const sponsor = sponsorOf(entry);
      if (sponsor !== undefined) add(src, "claimable_balance_sponsorship_created", {balance_id: id, sponsor});
      break;
    }
    case "claim_claimable_balance":
    case "clawback_claimable_balance": {
      const entry = balanceChanges(meta()).before.get(op.balanceId);
      const id = balanceIdString(op.balanceId);
      if (op.type === "clawback_claimable_balance") add(src, "claimable_balance_clawed_back", {balance_id: id});
      if (entry === undefined) break;
      const balance = entry.data().claimableBalance();
      const asset = decodeAsset(balance.asset());
      const amount = formatAmount(BigInt(balance.amount().toString()));
      if (op.type === "claim_claimable_balance") add(src, "claimable_balance_claimed", {asset: canonicalAsset(asset), balance_id: id, amount});
      add(src, "account_credited", {amount, ...assetFields(asset)});
      const sponsor = sponsorOf(entry);
      if (sponsor !== undefined) add(src, "claimable_balance_sponsorship_removed", {balance_id: id, former_sponsor: sponsor});
      break;
    }
    case "account_merge": {
      const r = outcome.opResults[sop.opIndex - 1];
      const balance = r?.tr().accountMergeResult().sourceAccountBalance();
      const details = {amount: formatAmount(BigInt(balance?.toString() ?? "0")), asset_type: "native"};
      add(src, "account_debited", details);
      add(op.destination, "account_credited", details);
      add(src, "account_removed");
      break;
    }
    case "set_options": {
      if (op.homeDomain !== undefined) add(src, "account_home_domain_updated", {home_domain: op.homeDomain});
      const th: Record<string, Detail> = {};
      if (op.lowThreshold !== undefined) th.low_threshold = op.lowThreshold;
      if (op.medThreshold !== undefined) th.med_threshold = op.medThreshold;
      if (op.highThreshold !== undefined) th.high_threshold = op.highThreshold;
      if (Object.keys(th).length > 0) add(src, "account_thresholds_updated", th);
      const flags: Record<string, Detail> = {};
      for (const [bit, name] of FLAG_DETAILS) if (op.setFlags !== undefined && (op.setFlags & bit) !== 0) flags[name] = true;
      for (const [bit, name] of FLAG_DETAILS) if (op.clearFlags !== undefined && (op.clearFlags & bit) !== 0) flags[name] = false;
      if (Object.keys(flags).length > 0) add(src, "account_flags_updated", flags);
      if (op.inflationDest !== undefined) add(src, "account_inflation_destination_updated", {inflation_destination: op.inflationDest});
      const {before, after} = accountStates(meta(), src);
      if (before !== null && after !== null) {
        const b = signerSummary(before);
        const a = signerSummary(after);
        for (const key of [...b.keys()].sort()) {
          const w = a.get(key);
          if (w === undefined) add(src, "signer_removed", {public_key: key});
          else if (w !== b.get(key)) add(src, "signer_updated", {public_key: key, weight: w});
        }
        for (const key of [...a.keys()].sort()) if (!b.has(key)) add(src, "signer_created", {public_key: key, weight: a.get(key)!});
      }
      break;
    }
    case "manage_data": {
      let kind: "data_created" | "data_updated" | "data_removed" | null = null;
      const details: Record<string, Detail> = {name: op.name};
      for (const c of meta()?.changes() ?? []) {
        const arm = c.switch().name;
        const isData = (e: xdr.LedgerEntry): boolean => e.data().switch().name === "data";
        if (arm === "ledgerEntryCreated" && isData(c.created())) {
          kind = "data_created";
          details.value = c.created().data().data().dataValue().toString("base64");
        } else if (arm === "ledgerEntryUpdated" && isData(c.updated())) {
          kind = "data_updated";
          details.value = c.updated().data().data().dataValue().toString("base64");
        } else if (arm === "ledgerEntryRemoved" && c.removed().switch().name === "data") {
          kind = "data_removed";
        }
      }
      if (kind !== null) add(src, kind, details);
      break;
    }
    case "bump_sequence": {
      const {before, after} = accountStates(meta(), src);
      if (before !== null && after !== null && before.seqNum().toString() !== after.seqNum().toString()) {
        add(src, "sequence_bumped", {new_seq: after.seqNum().toString()});
      }
      break;
    }
    default:
      break;
  }
  return out;
}

/**
 * Two trade effects per claimed offer (none for an empty atom): the taker's, then the maker's,
 * each seeing the trade from its own side.
 */
function tradeEffects(add: (account: string, type: string, details: Record<string, Detail>) => void, taker: string, atoms: AtomXdr[]): void {
  for (const a of atoms) {
    if (a.amountSold === 0n && a.amountBought === 0n) continue;
    const offerId = a.offerId.toString();
    add(taker, "trade", {
      seller: a.sellerId,
      offer_id: offerId,
      sold_amount: formatAmount(a.amountBought),
      ...assetDetails(a.assetBought, "sold_"),
      bought_amount: formatAmount(a.amountSold),
      ...assetDetails(a.assetSold, "bought_"),
    });
    add(a.sellerId, "trade", {
      seller: taker,
      offer_id: offerId,
      sold_amount: formatAmount(a.amountSold),
      ...assetDetails(a.assetSold, "sold_"),
      bought_amount: formatAmount(a.amountBought),
      ...assetDetails(a.assetBought, "bought_"),
    });
  }
}

/** The sponsor a claimable balance entry records in its extension, if any. */
function sponsorOf(entry: xdr.LedgerEntry): string | undefined {
  if (entry.ext().switch() !== 1) return undefined;
  const sponsor = entry.ext().v1().sponsoringId() as xdr.AccountId | null;
  return sponsor === null ? undefined : StrKey.encodeEd25519PublicKey(sponsor.ed25519());
}

export function effectRecord(sop: StoredOp, e: Effect, base: string): EffectRecord {
  const pt = effectPagingToken(sop.id, e.order);
  return {
    _links: {
      operation: link(base, `/operations/${sop.id}`),
      succeeds: link(base, `/effects?order=desc&cursor=${pt}`),
      precedes: link(base, `/effects?order=asc&cursor=${pt}`),
    },
    id: `${sop.id.padStart(19, "0")}-${String(e.order).padStart(10, "0")}`,
    paging_token: pt,
    account: e.account,
    type: e.type,
    type_i: EFFECT_TYPE_I[e.type] ?? -1,
    created_at: isoTime(sop.closedAt),
    ...e.details,
  };
}
