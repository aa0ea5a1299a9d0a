/** Horizon's offer resource. */
import type {OfferEntry} from "../../ledger/types.js";
import {formatAmount} from "./amount.js";
import {assetObject, priceR, priceString} from "./asset.js";
import {link, type Link} from "./links.js";
import {isoTime} from "./time.js";

export interface OfferRecord {
  _links: {self: Link; offer_maker: Link};
  id: string;
  paging_token: string;
  seller: string;
  selling: ReturnType<typeof assetObject>;
  buying: ReturnType<typeof assetObject>;
  amount: string;
  price_r: {n: number; d: number};
  price: string;
  last_modified_ledger: number;
  last_modified_time: string | null;
}

/** `lastModifiedTime`: close time of the ledger that last wrote the offer, null when not at hand. */
export function offerRecord(o: OfferEntry, lastModifiedTime: number | null, base: string): OfferRecord {
  const id = o.offerId.toString();
  return {
    _links: {self: link(base, `/offers/${id}`), offer_maker: link(base, `/accounts/${o.sellerId}`)},
    id,
    paging_token: id,
    seller: o.sellerId,
    selling: assetObject(o.selling),
    buying: assetObject(o.buying),
    amount: formatAmount(o.amount),
    price_r: priceR(o.price),
    price: priceString(o.price),
    last_modified_ledger: o.lastModifiedLedger,
    last_modified_time: lastModifiedTime === null ? null : isoTime(lastModifiedTime),
  };
}
