/** Horizon's root resource: versions, network passphrase, ledger range and entry-point links. */
import type {NodeInfo} from "../interface.js";
import type {LedgerHeader} from "../../ledger/types.js";
import {link, templatedLink, type Link} from "./links.js";
import {isoTime} from "./time.js";

export interface RootRecord {
  _links: Record<string, Link>;
  horizon_version: string;
  core_version: string;
  ingest_latest_ledger: number;
  history_latest_ledger: number;
  history_latest_ledger_closed_at: string;
  history_elder_ledger: number;
  core_latest_ledger: number;
  network_passphrase: string;
  current_protocol_version: number;
  supported_protocol_version: number;
  core_supported_protocol_version: number;
}

/** The node ingests its own ledgers as it closes them, so core, ingest and history agree. */
export function rootRecord(info: NodeInfo, latest: LedgerHeader, elderSeq: number, base: string, friendbot: boolean): RootRecord {
  const links: Record<string, Link> = {
    account: templatedLink(base, "/accounts/{account_id}"),
    account_transactions: templatedLink(base, "/accounts/{account_id}/transactions{?cursor,limit,order}"),
    fee_stats: link(base, "/fee_stats"),
    ledger: templatedLink(base, "/ledgers/{sequence}"),
    ledgers: templatedLink(base, "/ledgers{?cursor,limit,order}"),
    operation: templatedLink(base, "/operations/{id}"),
    operations: templatedLink(base, "/operations{?cursor,limit,order,include_failed}"),
    payments: templatedLink(base, "/payments{?cursor,limit,order,include_failed}"),
    self: link(base, "/"),
    transaction: templatedLink(base, "/transactions/{hash}"),
    transactions: templatedLink(base, "/transactions{?cursor,limit,order}"),
  };
  if (friendbot) links.friendbot = templatedLink(base, "/friendbot{?addr}");
  return {
    _links: links,
    horizon_version: info.horizonVersion,
    core_version: info.coreVersion,
    ingest_latest_ledger: latest.seq,
    history_latest_ledger: latest.seq,
    history_latest_ledger_closed_at: isoTime(latest.closeTime),
    history_elder_ledger: elderSeq,
    core_latest_ledger: latest.seq,
    network_passphrase: info.networkPassphrase,
    current_protocol_version: latest.protocolVersion,
    supported_protocol_version: info.protocolVersion,
    core_supported_protocol_version: info.protocolVersion,
  };
}
