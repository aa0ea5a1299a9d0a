/** Horizon's transaction resource, from the stored transaction. */
import {encodeMuxedAccountToAddress, xdr} from "@stellar/stellar-base";
import type {StoredTx} from "../../store/types.js";
import {metaXdrOf} from "../../store/records.js";
import {link, pagedLink, type Link} from "./links.js";
import {isoTime} from "./time.js";
import {mayHoldMuxed} from "./muxed-scan.js";

export interface TransactionRecord {
  _links: {
    self: Link;
    account: Link;
    ledger: Link;
    operations: Link;
    effects: Link;
    precedes: Link;
    succeeds: Link;
    transaction: Link;
  };
  id: string;
  paging_token: string;
  successful: boolean;
  hash: string;
  ledger: number;
  created_at: string;
  source_account: string;
  source_account_sequence: string;
  fee_account: string;
  fee_charged: string;
  max_fee: string;
  operation_count: number;
  envelope_xdr: string;
  result_xdr: string;
  result_meta_xdr: string;
  fee_meta_xdr: string;
  memo_type: StoredTx["memoType"];
  memo?: string;
  memo_bytes?: string;
  source_account_muxed?: string;
  source_account_muxed_id?: string;
  fee_account_muxed?: string;
  fee_account_muxed_id?: string;
  signatures: string[];
  valid_after?: string;
  valid_before?: string;
  preconditions?: {timebounds: {min_time: string; max_time?: string}};
  fee_bump_transaction?: {hash: string; signatures: string[]};
  inner_transaction?: {hash: string; signatures: string[]; max_fee: string};
}

/** The inner transaction's fee bid of a fee-bump envelope; only fee-bumps pay for this decode. */
export function innerMaxFee(envelopeXdr: string): string {
  const env = xdr.TransactionEnvelope.fromXDR(envelopeXdr, "base64");
  if (env.switch() !== xdr.EnvelopeType.envelopeTypeTxFeeBump()) return "0";
  return env.feeBump().tx().innerTx().v1().tx().fee().toString();
}

/** The XDR tag of a muxed (M…) account, KEY_TYPE_MUXED_ED25519. */
export const MUXED_TAG = Buffer.from([0, 0, 1, 0]);

export function muxedOf(m: xdr.MuxedAccount): {address: string; id: string} | null {
  if (m.switch() !== xdr.CryptoKeyType.keyTypeMuxedEd25519()) return null;
  return {address: encodeMuxedAccountToAddress(m, true), id: m.med25519().id().toString()};
}

/**
 * Horizon's *_muxed and *_muxed_id fields of the source and fee accounts. Only an envelope
 * that may name a muxed account (`mayHoldMuxed`, a walk of its bytes) is decoded.
 */
export function muxedFields(envelopeXdr: string): Record<string, string> {
  const raw = Buffer.from(envelopeXdr, "base64");
  if (!raw.includes(MUXED_TAG) || !mayHoldMuxed(raw)) return {};
  const env = xdr.TransactionEnvelope.fromXDR(raw);
  const out: Record<string, string> = {};
  let source: xdr.MuxedAccount;
  let fee: xdr.MuxedAccount;
  if (env.switch() === xdr.EnvelopeType.envelopeTypeTxFeeBump()) {
    fee = env.feeBump().tx().feeSource();
    source = env.feeBump().tx().innerTx().v1().tx().sourceAccount();
  } else if (env.switch() === xdr.EnvelopeType.envelopeTypeTx()) {
    source = env.v1().tx().sourceAccount();
    fee = source;
  } else {
    return out;
  }
  const s = muxedOf(source);
  if (s !== null) {
    out.source_account_muxed = s.address;
    out.source_account_muxed_id = s.id;
  }
  const f = muxedOf(fee);
  if (f !== null) {
    out.fee_account_muxed = f.address;
    out.fee_account_muxed_id = f.id;
  }
  return out;
}

/**
 * Horizon's transaction `id` is the hash; the TOID is only the paging token. For fee-bumps the
 * top-level hash, signatures and max_fee are the outer envelope's and the inner ones are listed
 * under `inner_transaction`, as Horizon does.
 */
export function transactionRecord(tx: StoredTx, base: string): TransactionRecord {
  const meta = metaXdrOf(tx);
  const self = `/transactions/${tx.hash}`;
  const rec: TransactionRecord = {
    _links: {
      self: link(base, self),
      account: link(base, `/accounts/${tx.sourceAccount}`),
      ledger: link(base, `/ledgers/${tx.ledger}`),
      operations: pagedLink(base, self + "/operations"),
      effects: pagedLink(base, self + "/effects"),
      precedes: link(base, `/transactions?order=asc&cursor=${tx.id}`),
      succeeds: link(base, `/transactions?order=desc&cursor=${tx.id}`),
      transaction: link(base, self),
    },
    id: tx.hash,
    paging_token: tx.id,
    successful: tx.successful,
    hash: tx.hash,
    ledger: tx.ledger,
    created_at: isoTime(tx.closedAt),
    source_account: tx.sourceAccount,
    source_account_sequence: tx.sourceAccountSequence.toString(),
    fee_account: tx.feeAccount,
    fee_charged: tx.feeCharged.toString(),
    max_fee: tx.maxFee.toString(),
    operation_count: tx.operationCount,
    envelope_xdr: tx.envelopeXdr,
    result_xdr: tx.resultXdr,
    result_meta_xdr: meta.result,
    fee_meta_xdr: meta.fee,
    memo_type: tx.memoType,
    signatures: tx.signatures,
  };
  if (tx.memoType !== "none" && tx.memo !== undefined) rec.memo = tx.memo;
  if (tx.memoType === "text" && tx.memoBytes !== undefined) rec.memo_bytes = tx.memoBytes;
  Object.assign(rec, muxedFields(tx.envelopeXdr));
  if (tx.validAfter !== undefined || tx.validBefore !== undefined) {
    const minTime = tx.validAfter ?? 0n;
    rec.valid_after = isoTime(minTime);
    const timebounds: {min_time: string; max_time?: string} = {min_time: minTime.toString()};
    if (tx.validBefore !== undefined && tx.validBefore !== 0n) {
      rec.valid_before = isoTime(tx.validBefore);
      timebounds.max_time = tx.validBefore.toString();
    }
    rec.preconditions = {timebounds};
  }
  if (tx.feeBump !== undefined) {
    rec.fee_bump_transaction = {hash: tx.hash, signatures: tx.signatures};
    rec.inner_transaction = {
      hash: tx.feeBump.innerHash,
      signatures: tx.feeBump.innerSignatures,
      max_fee: innerMaxFee(tx.envelopeXdr),
    };
  }
  return rec;
}
