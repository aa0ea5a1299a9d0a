/** Horizon's ledger resource, from the stored header. */
import type {LedgerHeader} from "../../ledger/types.js";
import {formatAmount} from "./amount.js";
import {link, pagedLink, type Link} from "./links.js";
import {isoTime} from "./time.js";
import {toid} from "./toid.js";
import {ledgerHeaderXdr} from "../../ledger/meta.js";

export interface LedgerRecord {
  _links: {self: Link; transactions: Link; operations: Link; payments: Link; effects: Link};
  id: string;
  paging_token: string;
  hash: string;
  prev_hash: string;
  sequence: number;
  successful_transaction_count: number;
  failed_transaction_count: number;
  operation_count: number;
  tx_set_operation_count: number;
  closed_at: string;
  total_coins: string;
  fee_pool: string;
  base_fee_in_stroops: number;
  base_reserve_in_stroops: number;
  max_tx_set_size: number;
  protocol_version: number;
  header_xdr: string;
}

export function ledgerPagingToken(seq: number): string {
  return toid(seq, 0, 0);
}

/**
 * `txCount` counts every applied transaction and `failedTxCount` the failed among them, so the
 * successful count is their difference. Horizon's `operation_count` counts operations of
 * successful transactions only, `tx_set_operation_count` all of the set's.
 */
export function ledgerRecord(h: LedgerHeader, base: string): LedgerRecord {
  const self = `/ledgers/${h.seq}`;
  return {
    _links: {
      self: link(base, self),
      transactions: pagedLink(base, self + "/transactions"),
      operations: pagedLink(base, self + "/operations"),
      payments: pagedLink(base, self + "/payments"),
      effects: pagedLink(base, self + "/effects"),
    },
    id: h.hash,
    paging_token: ledgerPagingToken(h.seq),
    hash: h.hash,
    prev_hash: h.prevHash,
    sequence: h.seq,
    successful_transaction_count: Math.max(0, h.txCount - h.failedTxCount),
    failed_transaction_count: h.failedTxCount,
    operation_count: h.successfulOpCount ?? h.opCount,
    tx_set_operation_count: h.opCount,
    closed_at: isoTime(h.closeTime),
    total_coins: formatAmount(h.totalCoins),
    fee_pool: formatAmount(h.feePool),
    base_fee_in_stroops: h.baseFee,
    base_reserve_in_stroops: h.baseReserve,
    max_tx_set_size: h.maxTxSetSize,
    protocol_version: h.protocolVersion,
    header_xdr: ledgerHeaderXdr(h).toXDR("base64"),
  };
}
