import {accountRoutes} from "./accounts.js";
import {appRoutes} from "./apps.js";
import type {Route} from "./context.js";
import {claimableBalanceRoutes} from "./claimable-balances.js";
import {dashboardRoutes} from "./dashboard.js";
import {dexRoutes} from "./dex.js";
import {effectRoutes} from "./effects.js";
import {tradeRoutes} from "./trades.js";
import {assetRoutes} from "./assets.js";
import {feeStatsRoutes} from "./fee-stats.js";
import {friendbotRoutes} from "./friendbot.js";
import {ledgerRoutes} from "./ledgers.js";
import {metricsRoutes} from "./metrics.js";
import {operationRoutes} from "./operations.js";
import {pathRoutes} from "./paths.js";
import {quorumRoutes} from "./quorum.js";
import {healthRoutes, rootRoutes} from "./root.js";
import {submitRoutes} from "./submit.js";
import {transactionRoutes} from "./transactions.js";

export {
  jsonReply,
  HAL_CONTENT_TYPE,
  JSON_CONTENT_TYPE,
  type Reply,
  type RouteContext,
  type RequestBody,
  type GetRoute,
  type PostRoute,
  type Route,
} from "./context.js";
export {filteredPage, type FilteredPage} from "./collections.js";
export {includedReply, asyncReply, envelopeParam} from "./submit.js";

/** Every route the API serves, in Horizon's paths. */
export const apiRoutes: Route[] = [
  ...rootRoutes,
  ...healthRoutes,
  ...ledgerRoutes,
  ...transactionRoutes,
  ...operationRoutes,
  ...accountRoutes,
  ...effectRoutes,
  ...dexRoutes,
  ...claimableBalanceRoutes,
  ...tradeRoutes,
  ...assetRoutes,
  ...feeStatsRoutes,
  ...friendbotRoutes,
  ...metricsRoutes,
  ...submitRoutes,
  ...pathRoutes,
  ...quorumRoutes,
  ...dashboardRoutes,
  ...appRoutes,
];
