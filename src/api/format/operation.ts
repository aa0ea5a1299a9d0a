/** Horizon's operation resource, with the per-type fields Horizon prints for each kind. */
import {xdr} from "@stellar/stellar-base";
import type {StoredOp} from "../../store/types.js";
import {OPERATION_TYPE_I, type Asset} from "../../tx/types.js";
import {formatAmount} from "./amount.js";
import {link, type Link} from "./links.js";
import {isoTime} from "./time.js";
import {MUXED_TAG, muxedOf, type TransactionRecord} from "./transaction.js";

type FieldValue = string | number | boolean | number[] | string[] | TransactionRecord;

export interface OperationRecord {
  _links: {self: Link; transaction: Link; effects: Link; succeeds: Link; precedes: Link};
  id: string;
  paging_token: string;
  transaction_successful: boolean;
  source_account: string;
  type: string;
  type_i: number;
  created_at: string;
  transaction_hash: string;
  [field: string]: FieldValue | OperationRecord["_links"];
}

/** Account flag bits (Stellar's AccountFlags) and the names Horizon gives them in `*_flags_s`. */
const FLAG_NAMES: [number, string][] = [
  [1, "auth_required_flag"],
  [2, "auth_revocable_flag"],
  [4, "auth_immutable_flag"],
  [8, "auth_clawback_enabled_flag"],
];

function flagBits(flags: number): number[] {
  return FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([bit]) => bit);
}

function flagNames(flags: number): string[] {
  return FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
}

/** Asset fields with a prefix, as Horizon flattens them ("asset_type", "asset_code", "asset_issuer"). */
export function assetFields(asset: Asset, prefix = ""): Record<string, string> {
  if (asset.type === "native") return {[prefix + "asset_type"]: "native"};
  return {
    [prefix + "asset_type"]: asset.type,
    [prefix + "asset_code"]: asset.code,
    [prefix + "asset_issuer"]: asset.issuer,
  };
}

/** XDR union arm names are camelCase ("manageSellOffer"); Horizon's type names are snake_case. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}

function typeFields(sop: StoredOp): {type: string; fields: Record<string, FieldValue>} {
  const op = sop.op;
  const source = sop.sourceAccount;
  switch (op.type) {
    case "create_account":
      return {
        type: op.type,
        fields: {starting_balance: formatAmount(op.startingBalance), funder: source, account: op.destination},
      };
    case "payment":
      return {
        type: op.type,
        fields: {...assetFields(op.asset), from: source, to: op.destination, amount: formatAmount(op.amount)},
      };
    case "set_options": {
      const f: Record<string, FieldValue> = {};
      if (op.signer !== undefined) {
        f.signer_key = op.signer.key;
        f.signer_weight = op.signer.weight;
      }
      if (op.masterWeight !== undefined) f.master_key_weight = op.masterWeight;
      if (op.lowThreshold !== undefined) f.low_threshold = op.lowThreshold;
      if (op.medThreshold !== undefined) f.med_threshold = op.medThreshold;
      if (op.highThreshold !== undefined) f.high_threshold = op.highThreshold;
      if (op.homeDomain !== undefined) f.home_domain = op.homeDomain;
      if (op.inflationDest !== undefined) f.inflation_dest = op.inflationDest;
      if (op.setFlags !== undefined && op.setFlags !== 0) {
        f.set_flags = flagBits(op.setFlags);
        f.set_flags_s = flagNames(op.setFlags);
      }
      if (op.clearFlags !== undefined && op.clearFlags !== 0) {
        f.clear_flags = flagBits(op.clearFlags);
        f.clear_flags_s = flagNames(op.clearFlags);
      }
      return {type: op.type, fields: f};
    }
    case "account_merge":
      return {type: op.type, fields: {account: source, into: op.destination}};
    case "manage_data":
      return {
        type: op.type,
        // A null value deletes the entry; Horizon prints it as an empty string.
        fields: {name: op.name, value: op.value === null ? "" : Buffer.from(op.value).toString("base64")},
      };
    case "bump_sequence":
      return {type: op.type, fields: {bump_to: op.bumpTo.toString()}};
    case "unsupported":
      return {type: snakeCase(op.xdrType), fields: {}};
    default:
      return {type: op.type, fields: {}};
  }
}

/** Sets `<prefix>_muxed` and `<prefix>_muxed_id` when `m` is a muxed (M…) account. */
function putMuxed(out: Record<string, FieldValue>, prefix: string, m: xdr.MuxedAccount): void {
  const x = muxedOf(m);
  if (x === null) return;
  out[prefix + "_muxed"] = x.address;
  out[prefix + "_muxed_id"] = x.id;
}

/**
 * Horizon's muxed fields of an operation: `source_account_muxed(_id)` for the effective source
 * (the operation's own, else the tx's), the same account as `funder` / `from` / `account`, and the
 * muxed destination as `to` / `into`. Only envelopes holding the muxed tag are decoded.
 */
function opMuxedFields(sop: StoredOp): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  if (sop.envelopeXdr === undefined) return out;
  const raw = Buffer.from(sop.envelopeXdr, "base64");
  if (!raw.includes(MUXED_TAG)) return out;
  const env = xdr.TransactionEnvelope.fromXDR(raw);
  let tx: xdr.Transaction;
  if (env.switch() === xdr.EnvelopeType.envelopeTypeTxFeeBump()) tx = env.feeBump().tx().innerTx().v1().tx();
  else if (env.switch() === xdr.EnvelopeType.envelopeTypeTx()) tx = env.v1().tx();
  else return out; // v0 envelopes name plain ed25519 keys only
  const op = tx.operations()[sop.opIndex - 1];
  if (op === undefined) return out;
  const source = op.sourceAccount() ?? tx.sourceAccount();
  putMuxed(out, "source_account", source);
  const body = op.body();
  switch (sop.op.type) {
    case "create_account":
      putMuxed(out, "funder", source);
      break;
    case "payment":
      putMuxed(out, "from", source);
      putMuxed(out, "to", body.paymentOp().destination());
      break;
    case "account_merge":
      putMuxed(out, "account", source);
      putMuxed(out, "into", body.destination());
      break;
    default:
      break;
  }
  return out;
}

export function operationRecord(sop: StoredOp, base: string): OperationRecord {
  const {type, fields} = typeFields(sop);
  const muxed = opMuxedFields(sop);
  const self = `/operations/${sop.id}`;
  return {
    _links: {
      self: link(base, self),
      transaction: link(base, `/transactions/${sop.txHash}`),
      effects: link(base, self + "/effects"),
      succeeds: link(base, `/effects?order=desc&cursor=${sop.id}`),
      precedes: link(base, `/effects?order=asc&cursor=${sop.id}`),
    },
    id: sop.id,
    paging_token: sop.id,
    transaction_successful: sop.transactionSuccessful,
    source_account: sop.sourceAccount,
    ...(muxed.source_account_muxed !== undefined
      ? {source_account_muxed: muxed.source_account_muxed, source_account_muxed_id: muxed.source_account_muxed_id}
      : {}),
    type,
    type_i: OPERATION_TYPE_I[type] ?? -1,
    created_at: isoTime(sop.closedAt),
    transaction_hash: sop.txHash,
    ...fields,
    ...muxed,
  };
}
