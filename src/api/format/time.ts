/**
 * Times as Horizon prints them: RFC 3339 in UTC with second precision ("2024-05-01T12:00:00Z").
 */
import {flatLatin1} from "../../util/strings.js";

/**
 * Latest instant printed. Time bounds are uint64 seconds chosen by the submitter, far beyond
 * what a 4-digit RFC 3339 year can hold; they clamp here rather than failing the request.
 */
const MAX_SECONDS = 253402300799n; // 9999-12-31T23:59:59Z

/** The last time printed: a ledger's records all print its close time (thousands per ledger). */
let lastSeconds: number | bigint | undefined;
let lastText = "";

export function isoTime(unixSeconds: number | bigint): string {
  if (unixSeconds === lastSeconds) return lastText;
  let s = typeof unixSeconds === "bigint" ? unixSeconds : BigInt(Math.trunc(unixSeconds));
  if (s < 0n) s = 0n;
  if (s > MAX_SECONDS) s = MAX_SECONDS;
  // Flat: every record of the ledger copies it (util/strings.ts).
  const text = flatLatin1(new Date(Number(s) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"));
  lastSeconds = unixSeconds;
  lastText = text;
  return text;
}
