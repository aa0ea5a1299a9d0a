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
import {link, type Link} from "./links.js";
import {isoTime} from "./time.js";

type Detail = string | number | boolean;

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
      if (op.asset.type !== "native") break;
      const details = {amount: formatAmount(op.amount), asset_type: "native"};
      add(op.destination, "account_credited", details);
      add(src, "account_debited", details);
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
