export {ApiServer, problemReply} from "./server.js";
export {defaultApiOptions, resolveApiOptions, type ApiOptions} from "./options.js";
export {ApiError, ApiErrorCode, invalidField, notFound, type ApiErrorMeta, type ProblemExtras} from "./errors.js";
export {ResponseCache} from "./cache.js";
export type {ApiModules, SubmitOutcome, TxSubmitter, Friendbot, FeeStatsSource, NodeInfo} from "./interface.js";
export * from "./format/index.js";
export {apiRoutes, type Reply, type RouteContext, type Route} from "./routes/index.js";
