/**
 * The data behind /dashboard and /dashboard/assets: the network stats collector and the asset
 * board behind the API's DashboardSource contract.
 */
import type {DashboardSource} from "../api/interface.js";
import type {LedgerReader} from "../store/types.js";
import type {LedgerCloseResult} from "../tx/interface.js";
import type {LedgerHeader} from "../ledger/types.js";
import {AssetBoard, type AssetListItem, type AssetPage} from "./asset-board.js";
import type {NetworkSnapshot} from "./interface.js";
import {NetworkStats, type NetworkStatsModules} from "./network-stats.js";
import {defaultDashboardOptions, type DashboardOptions} from "./options.js";

export class Dashboard implements DashboardSource {
  readonly stats: NetworkStats;
  readonly board: AssetBoard;

  constructor(opts: Partial<DashboardOptions>, modules: NetworkStatsModules & {reader: LedgerReader}) {
    const o = {...defaultDashboardOptions, ...opts};
    this.stats = new NetworkStats(o, modules);
    this.board = new AssetBoard(modules.reader, o);
  }

  start(): void {
    this.stats.start();
  }

  stop(): void {
    this.stats.stop();
  }

  ledgerClosed(c: {header: LedgerHeader; result: LedgerCloseResult; closeMs: number}): void {
    this.stats.ledgerClosed(c);
  }

  network(): Promise<NetworkSnapshot> {
    return this.stats.snapshot();
  }

  assets(search: string, limit: number): {ledger: number; assets: AssetListItem[]} {
    return this.board.assets(search, limit);
  }

  asset(code: string, issuer: string, counter: string | undefined): AssetPage | undefined {
    return this.board.asset(code, issuer, counter);
  }
}
