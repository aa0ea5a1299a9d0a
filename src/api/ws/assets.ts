import type {Asset} from "../../ledger/types.js";

/** "native" or "CODE:ISSUER" (already validated by the protocol) into an asset. */
export function assetOfKey(key: string): Asset | undefined {
  if (key === "native") return {type: "native"};
  const m = /^([A-Za-z0-9]{1,12}):(G[A-Z2-7]{55})$/.exec(key);
  if (m === null) return undefined;
  return {type: m[1]!.length <= 4 ? "credit_alphanum4" : "credit_alphanum12", code: m[1]!, issuer: m[2]!};
}
