export {LedgerFeed, pairKey, type LedgerFeedOptions} from "./feed.js";
export type * from "./interface.js";
