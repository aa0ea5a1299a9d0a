export {
  exchangeV10,
  exchangeV10WithoutPriceErrorThresholds,
  applyPriceErrorThresholds,
  checkPriceErrorBound,
  adjustOffer,
  offerBuyingLiabilities,
  offerSellingLiabilities,
  bigDivide,
  type Rounding,
  type ExchangeResult,
} from "./exchange.js";
export {canSellAtMost, canBuyAtMost, acquireLiabilities, releaseLiabilities, removeOffer, removeOffersByAccountAndAsset} from "./liabilities.js";
export {DexError, DexErrorCode} from "./errors.js";
export {findStrictReceivePaths, findStrictSendPaths, horizonAssetString, MAX_OFFERS_TO_CROSS, type OrderBookView, type PaymentPath, type PathSearchLimits} from "./paths.js";
export {StoreBookView, type BookStoreReader} from "./paths-book.js";
export {InThreadPathFinder, answerPathQuery, type PathFinder, type PathRequest, type PathAnswer} from "./paths-finder.js";
export {PathPool, type PathPoolOptions} from "./paths-pool.js";
export {defaultPathFinderOptions, type PathFinderOptions} from "./paths-options.js";
export {PathError, PathErrorCode} from "./paths-errors.js";
