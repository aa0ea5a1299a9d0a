export {Dashboard} from "./dashboard.js";
export {NetworkStats, quorumHealth, minBlockingFailures, failureCode, type NetworkStatsModules} from "./network-stats.js";
export {AssetBoard, PaymentActivity, assetOfKey, paymentAmount, type AssetPage, type AssetListItem} from "./asset-board.js";
export {defaultDashboardOptions, type DashboardOptions} from "./options.js";
export type {NodeStatus, QuorumHealth, LedgerPoint, SamplePoint, NetworkSnapshot} from "./interface.js";
