/** Horizon's operation resource, with the per-type fields Horizon prints for each kind. */
import {StrKey, xdr} from "@stellar/stellar-base";
import type {StoredOp} from "../../store/types.js";
import {OPERATION_TYPE_I, type Asset} from "../../tx/types.js";
import {assetKey} from "../../ledger/types.js";
import {decodeAsset} from "../../tx/frame.js";
import {formatAmount} from "./amount.js";
import {balanceIdString, canonicalAsset, claimantsJson, priceR, priceString, type PredicateJson} from "./asset.js";
import {link, type Link} from "./links.js";
import {isoTime} from "./time.js";
import {mayHoldMuxed} from "./muxed-scan.js";
import {MUXED_TAG, muxedOf, type TransactionRecord} from "./transaction.js";

type FieldValue =
  | string
  | number
  | boolean
  | number[]
  | string[]
  | TransactionRecord
  | Record<string, string>[]
  | {n: number; d: number}
  | {destination: string; predicate: PredicateJson}[];

/**
 * A stored operation as the formatters read it. A caller holding the tx envelope's bytes (the
 * ledger feed, from the close result) passes them as `envelopeBytes`: the muxed account scan
 * reads them instead of decoding `envelopeXdr` from base64 for every operation.
 */
export interface FormatOp extends StoredOp {
  readonly envelopeBytes?: Buffer;
}

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

/** Trustline flag bits (Stellar's TrustLineFlags) and Horizon's names, its misspelling included. */
const TRUSTLINE_FLAG_NAMES: [number, string][] = [
  [1, "authorized"],
  [2, "authorized_to_maintain_liabilites"],
  [4, "clawback_enabled"],
];

function trustLineFlagFields(flags: number, prefix: "set" | "clear"): Record<string, FieldValue> {
  if (flags === 0) return {};
  const set = TRUSTLINE_FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0);
  return {[prefix + "_flags"]: set.map(([bit]) => bit), [prefix + "_flags_s"]: set.map(([, name]) => name)};
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

/** The result of operation `opIndex` (1-based) of a stored TransactionResult, when the tx applied its operations. */
export function opResultOf(resultXdr: string | undefined, opIndex: number): xdr.OperationResult | undefined {
  if (resultXdr === undefined || resultXdr === "") return undefined;
  let result = xdr.TransactionResult.fromXDR(resultXdr, "base64").result();
  const codes = xdr.TransactionResultCode;
  if (result.switch() === codes.txFeeBumpInnerSuccess() || result.switch() === codes.txFeeBumpInnerFailed()) {
    const inner = result.innerResultPair().result().result();
    if (inner.switch() !== codes.txSuccess() && inner.switch() !== codes.txFailed()) return undefined;
    return inner.results()[opIndex - 1];
  }
  if (result.switch() !== codes.txSuccess() && result.switch() !== codes.txFailed()) return undefined;
  return result.results()[opIndex - 1];
}

/** An int64 XDR amount as bigint (never through a JS number). */
function int64(v: {toString(): string}): bigint {
  return BigInt(v.toString());
}

/** What a ClaimAtom says: the maker's side (sold by the maker, bought by the maker). */
export interface AtomXdr {
  sellerId: string;
  offerId: bigint;
  assetSold: string;
  amountSold: bigint;
  assetBought: string;
  amountBought: bigint;
}

export function claimAtomOf(atom: xdr.ClaimAtom): AtomXdr | undefined {
  const arm = atom.switch().name;
  if (arm === "claimAtomTypeOrderBook") {
    const a = atom.orderBook();
    return {
      sellerId: StrKey.encodeEd25519PublicKey(a.sellerId().ed25519()),
      offerId: int64(a.offerId()),
      assetSold: assetKey(decodeAsset(a.assetSold())),
      amountSold: int64(a.amountSold()),
      assetBought: assetKey(decodeAsset(a.assetBought())),
      amountBought: int64(a.amountBought()),
    };
  }
  if (arm === "claimAtomTypeV0") {
    const a = atom.v0();
    return {
      sellerId: StrKey.encodeEd25519PublicKey(a.sellerEd25519()),
      offerId: int64(a.offerId()),
      assetSold: assetKey(decodeAsset(a.assetSold())),
      amountSold: int64(a.amountSold()),
      assetBought: assetKey(decodeAsset(a.assetBought())),
      amountBought: int64(a.amountBought()),
    };
  }
  return undefined; // liquidity pools do not exist on this network
}

/**
 * What a strict-receive path payment spent: the amounts bought by the offers of its first
 * hop (the leading atoms buying the same asset), or the last payment's amount without offers
 * (Horizon's PathPaymentStrictReceiveResult.SendAmount).
 */
function strictReceiveSent(r: xdr.OperationResult | undefined): bigint {
  if (r === undefined || r.switch().name !== "opInner") return 0n;
  const pr = r.tr().pathPaymentStrictReceiveResult();
  if (pr.switch().name !== "pathPaymentStrictReceiveSuccess") return 0n;
  const s = pr.success();
  const atoms = s.offers().map(claimAtomOf).filter((a): a is AtomXdr => a !== undefined);
  if (atoms.length === 0) return int64(s.last().amount());
  let sent = 0n;
  for (const a of atoms) {
    if (a.assetBought !== atoms[0]!.assetBought) break;
    sent += a.amountBought;
  }
  return sent;
}

/** What a strict-send path payment delivered (Horizon's PathPaymentStrictSendResult.DestAmount). */
function strictSendReceived(r: xdr.OperationResult | undefined): bigint {
  if (r === undefined || r.switch().name !== "opInner") return 0n;
  const pr = r.tr().pathPaymentStrictSendResult();
  if (pr.switch().name !== "pathPaymentStrictSendSuccess") return 0n;
  return int64(pr.success().last().amount());
}

function pathOf(path: Asset[]): Record<string, string>[] {
  return path.map((a) => assetFields(a));
}

function offerFields(op: {selling: Asset; buying: Asset; price: {n: number; d: number}}, amount: bigint): Record<string, FieldValue> {
  return {
    amount: formatAmount(amount),
    price: priceString(op.price),
    price_r: priceR(op.price),
    ...assetFields(op.buying, "buying_"),
    ...assetFields(op.selling, "selling_"),
  };
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
    case "path_payment_strict_receive": {
      const sent = sop.transactionSuccessful ? strictReceiveSent(opResultOf(sop.resultXdr, sop.opIndex)) : 0n;
      return {
        type: op.type,
        fields: {
          ...assetFields(op.destAsset),
          from: source,
          to: op.destination,
          amount: formatAmount(op.destAmount),
          path: pathOf(op.path),
          source_amount: formatAmount(sent),
          source_max: formatAmount(op.sendMax),
          ...assetFields(op.sendAsset, "source_"),
        },
      };
    }
    case "path_payment_strict_send": {
      const received = sop.transactionSuccessful ? strictSendReceived(opResultOf(sop.resultXdr, sop.opIndex)) : 0n;
      return {
        type: op.type,
        fields: {
          ...assetFields(op.destAsset),
          from: source,
          to: op.destination,
          amount: formatAmount(received),
          path: pathOf(op.path),
          source_amount: formatAmount(op.sendAmount),
          destination_min: formatAmount(op.destMin),
          ...assetFields(op.sendAsset, "source_"),
        },
      };
    }
    case "manage_sell_offer":
      return {type: op.type, fields: {...offerFields(op, op.amount), offer_id: op.offerId.toString()}};
    case "manage_buy_offer":
      return {type: op.type, fields: {...offerFields(op, op.buyAmount), offer_id: op.offerId.toString()}};
    case "create_passive_sell_offer":
      return {type: op.type, fields: offerFields(op, op.amount)};
    case "change_trust": {
      const f: Record<string, FieldValue> = {...assetFields(op.line)};
      if (op.line.type !== "native") f.trustee = op.line.issuer;
      f.trustor = source;
      f.limit = formatAmount(op.limit);
      return {type: op.type, fields: f};
    }
    case "allow_trust": {
      const asset: Asset = {type: op.assetType, code: op.assetCode, issuer: source};
      const f: Record<string, FieldValue> = {
        ...assetFields(asset),
        trustee: source,
        trustor: op.trustor,
        authorize: (op.authorize & 1) !== 0,
      };
      if ((op.authorize & 2) !== 0) f.authorize_to_maintain_liabilities = true;
      if ((op.authorize & 4) !== 0) f.clawback_enabled = true;
      return {type: op.type, fields: f};
    }
    case "set_trust_line_flags":
      return {
        type: op.type,
        fields: {trustor: op.trustor, ...assetFields(op.asset), ...trustLineFlagFields(op.setFlags, "set"), ...trustLineFlagFields(op.clearFlags, "clear")},
      };
    case "clawback":
      return {type: op.type, fields: {...assetFields(op.asset), from: op.from, amount: formatAmount(op.amount)}};
    case "create_claimable_balance":
      return {type: op.type, fields: {asset: canonicalAsset(op.asset), amount: formatAmount(op.amount), claimants: claimantsJson(op.claimants)}};
    case "claim_claimable_balance":
      return {type: op.type, fields: {balance_id: balanceIdString(op.balanceId), claimant: source}};
    case "clawback_claimable_balance":
      return {type: op.type, fields: {balance_id: balanceIdString(op.balanceId)}};
    case "unsupported":
      return {type: snakeCase(op.xdrType), fields: {}};
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
 * muxed destination as `to` / `into`. Only envelopes that may name a muxed account (`mayHoldMuxed`) are decoded.
 */
function opMuxedFields(sop: FormatOp): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  const raw = sop.envelopeBytes ?? (sop.envelopeXdr === undefined ? undefined : Buffer.from(sop.envelopeXdr, "base64"));
  if (raw === undefined) return out;
  if (!raw.includes(MUXED_TAG) || !mayHoldMuxed(raw)) return out;
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
    case "path_payment_strict_receive":
      putMuxed(out, "from", source);
      putMuxed(out, "to", body.pathPaymentStrictReceiveOp().destination());
      break;
    case "path_payment_strict_send":
      putMuxed(out, "from", source);
      putMuxed(out, "to", body.pathPaymentStrictSendOp().destination());
      break;
    case "change_trust":
      putMuxed(out, "trustor", source);
      break;
    case "allow_trust":
      putMuxed(out, "trustee", source);
      break;
    case "clawback":
      putMuxed(out, "from", body.clawbackOp().from());
      break;
    case "claim_claimable_balance":
      putMuxed(out, "claimant", source);
      break;
    default:
      break;
  }
  return out;
}

export function operationRecord(sop: FormatOp, base: string): OperationRecord {
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

/** The last origin escaped for a JSON string (without its quotes): a node answers for one or two origins. */
let lastBase = "";
let lastEscaped = "";

function escapedBase(base: string): string {
  if (base !== lastBase) {
    lastEscaped = JSON.stringify(base).slice(1, -1);
    lastBase = base;
  }
  return lastEscaped;
}

/** The record's own members before the type's fields: a type field of the same name would take their place in `operationRecord`. */
const HEAD_KEYS = new Set(["_links", "id", "paging_token", "transaction_successful", "source_account", "source_account_muxed", "source_account_muxed_id", "type", "type_i", "created_at", "transaction_hash"]);

/**
 * `JSON.stringify(operationRecord(sop, base))`, written directly: the record's common members
 * (links, ids, source, type, time, hash) as text, the type's fields stringified and appended,
 * without building the record object and its five link objects first. A stream formats every
 * operation of every ledger this way; an operation naming a muxed account (or a type field that
 * would reorder the common members) goes through the record object.
 */
export function operationJson(sop: FormatOp, base: string): string {
  const muxed = opMuxedFields(sop);
  const op = sop.op;
  // A payment, the kind a stream carries most, has its members written here in typeFields'
  // order: accounts are strkeys and the amount digits, so only an asset code is escaped.
  if (op.type === "payment" && Object.keys(muxed).length === 0) {
    const asset = op.asset;
    const assetMembers =
      asset.type === "native" ? `"asset_type":"native"` : `"asset_type":"${asset.type}","asset_code":${JSON.stringify(asset.code)},"asset_issuer":"${asset.issuer}"`;
    return `${operationHead(sop, base, op.type)},${assetMembers},"from":"${sop.sourceAccount}","to":"${op.destination}","amount":"${formatAmount(op.amount)}"}`;
  }
  const {type, fields} = typeFields(sop);
  let plain = Object.keys(muxed).length === 0;
  if (plain) {
    for (const k in fields) {
      if (HEAD_KEYS.has(k)) {
        plain = false;
        break;
      }
    }
  }
  if (!plain) return JSON.stringify(operationRecord(sop, base));
  const head = operationHead(sop, base, type);
  const rest = JSON.stringify(fields);
  return rest === "{}" ? head + "}" : head + "," + rest.slice(1);
}

/** The record's common members as JSON, from its opening brace to the transaction hash (no closing brace). */
function operationHead(sop: StoredOp, base: string, type: string): string {
  // The id (a TOID's digits), the hash (hex), the account (a strkey), the type (snake case) and
  // the time (ISO 8601) never need escaping in JSON; only the origin might (it is the client's Host).
  const b = escapedBase(base);
  const id = sop.id;
  const self = `${b}/operations/${id}`;
  return (
    `{"_links":{"self":{"href":"${self}"},"transaction":{"href":"${b}/transactions/${sop.txHash}"},` +
    `"effects":{"href":"${self}/effects"},"succeeds":{"href":"${b}/effects?order=desc&cursor=${id}"},` +
    `"precedes":{"href":"${b}/effects?order=asc&cursor=${id}"}},"id":"${id}","paging_token":"${id}",` +
    `"transaction_successful":${sop.transactionSuccessful ? "true" : "false"},"source_account":"${sop.sourceAccount}","type":"${type}",` +
    `"type_i":${OPERATION_TYPE_I[type] ?? -1},"created_at":"${isoTime(sop.closedAt)}","transaction_hash":"${sop.txHash}"`
  );
}
