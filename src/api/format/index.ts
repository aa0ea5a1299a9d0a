export {formatAmount, STROOPS_PER_UNIT, INT64_MAX} from "./amount.js";
export {toid, parseToid, type TotalOrderId} from "./toid.js";
export {isoTime} from "./time.js";
export {link, templatedLink, pagedLink, type Link} from "./links.js";
export {problemRecord, problemStatus, PROBLEM_CONTENT_TYPE, type Problem} from "./problem.js";
export {ledgerRecord, ledgerPagingToken, type LedgerRecord} from "./ledger.js";
export {transactionRecord, type TransactionRecord} from "./transaction.js";
export {operationRecord, assetFields, snakeCase, type OperationRecord} from "./operation.js";
export {accountRecord, signerType, type AccountRecord, type SignerRecord} from "./account.js";
export {
  feeStatsRecord,
  feeDistribution,
  nearestRank,
  modeOf,
  type FeeStatsRecord,
  type FeeDistribution,
  type RecentFees,
} from "./fee-stats.js";
export {pageRecord, type PageRecord, type PageLinkOptions} from "./page.js";
export {rootRecord, type RootRecord} from "./root.js";
