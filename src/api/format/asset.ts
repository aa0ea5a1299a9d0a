/**
 * Shapes shared by the DEX, trust and escrow resources: prices, assets in Horizon's flattened
 * and canonical forms, claim predicates and claimable balance ids.
 */
import type {Asset, ClaimPredicate, Claimant, Price} from "../../ledger/types.js";

/**
 * n/d with 7 decimals, the last rounded to nearest with halves away from zero (Go's
 * big.Rat.FloatString(7), which Horizon prints prices with). Exact on bigint: a double loses
 * digits for prices like 2147483647/3.
 */
export function priceString(p: Price): string {
  return ratioString(BigInt(p.n), BigInt(p.d));
}

/** A non-negative ratio of integers as 7 decimals, rounded as `priceString`. */
export function ratioString(n: bigint, d: bigint): string {
  if (d <= 0n || n < 0n) throw new RangeError(`ratio ${n}/${d} is not a non-negative price`);
  const scaled = n * 10_000_000n;
  let q = scaled / d;
  if ((scaled % d) * 2n >= d) q += 1n;
  return `${q / 10_000_000n}.${(q % 10_000_000n).toString().padStart(7, "0")}`;
}

/** Horizon's price_r: int32 numerator and denominator as JSON numbers. */
export function priceR(p: Price): {n: number; d: number} {
  return {n: p.n, d: p.d};
}

/** Horizon's asset object (`selling`, `buying`, `base`, balances): type, then code and issuer for credit. */
export function assetObject(a: Asset): {asset_type: string; asset_code?: string; asset_issuer?: string} {
  if (a.type === "native") return {asset_type: "native"};
  return {asset_type: a.type, asset_code: a.code, asset_issuer: a.issuer};
}

/** The canonical string ("native" or "CODE:ISSUER") Horizon prints for claimable balance assets. */
export function canonicalAsset(a: Asset): string {
  return a.type === "native" ? "native" : `${a.code}:${a.issuer}`;
}

/** Horizon's balance id: the XDR ClaimableBalanceID as hex, its 4-byte v0 discriminant first. */
export function balanceIdString(hashHex: string): string {
  return "00000000" + hashHex;
}

export type PredicateJson =
  | {unconditional: true}
  | {and: PredicateJson[]}
  | {or: PredicateJson[]}
  | {not: PredicateJson | Record<string, never>}
  | {abs_before: string; abs_before_epoch: string}
  | {rel_before: string};

/** A claim predicate as Horizon's JSON (stellar/go xdr ClaimPredicate.MarshalJSON). */
export function predicateJson(p: ClaimPredicate): PredicateJson {
  switch (p.type) {
    case "unconditional":
      return {unconditional: true};
    case "and":
      return {and: p.predicates.map(predicateJson)};
    case "or":
      return {or: p.predicates.map(predicateJson)};
    case "not":
      return {not: p.predicate === null ? {} : predicateJson(p.predicate)};
    case "before_absolute_time":
      return {abs_before: absBeforeTime(p.time), abs_before_epoch: p.time.toString()};
    case "before_relative_time":
      return {rel_before: p.seconds.toString()};
  }
}

/**
 * RFC 3339 in UTC without fractions; years past 9999 get a "+" as Go's encoder writes them.
 * Epochs beyond what a Date holds (±8.64e15 ms) are clamped to its range: no ledger reaches them.
 */
function absBeforeTime(epoch: bigint): string {
  const maxSeconds = 8_640_000_000_000n;
  const s = epoch > maxSeconds ? maxSeconds : epoch < -maxSeconds ? -maxSeconds : epoch;
  const iso = new Date(Number(s) * 1000).toISOString();
  // toISOString writes "+0275760-…" for years past 9999 and always milliseconds.
  const plain = iso.replace(/\.\d{3}Z$/, "Z").replace(/^\+0*(\d{5,})/, "+$1");
  return plain;
}

export function claimantsJson(claimants: Claimant[]): {destination: string; predicate: PredicateJson}[] {
  return claimants.map((c) => ({destination: c.destination, predicate: predicateJson(c.predicate)}));
}
