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
