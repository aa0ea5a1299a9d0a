/** Minimal HTTP client for the node's Horizon-compatible API, bounded in time per request. */
import {BenchError, BenchErrorCode} from "./errors.js";

/** 10 s per request: any API call that is slower than that is a failure worth reporting. */
const REQUEST_TIMEOUT_MS = 10_000;

export interface HttpReply {
  status: number;
  body: unknown;
}

async function reply(res: Response): Promise<HttpReply> {
  const text = await res.text();
  try {
    return {status: res.status, body: text.length > 0 ? JSON.parse(text) : null};
  } catch {
    return {status: res.status, body: text};
  }
}

export async function getJson(baseUrl: string, path: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<HttpReply> {
  const res = await fetch(`${baseUrl}${path}`, {signal: AbortSignal.timeout(timeoutMs)});
  return reply(res);
}

export async function postForm(baseUrl: string, path: string, fields: Record<string, string>): Promise<HttpReply> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: {"content-type": "application/x-www-form-urlencoded"},
    body: new URLSearchParams(fields).toString(),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return reply(res);
}

/** GET that must answer 200 with a JSON object; anything else is reported with the body. */
export async function getRecord(baseUrl: string, path: string): Promise<Record<string, unknown>> {
  const {status, body} = await getJson(baseUrl, path);
  if (status !== 200 || body === null || typeof body !== "object") {
    throw new BenchError(BenchErrorCode.NodeBadResponse, `GET ${path} answered ${status}`, {
      body: JSON.stringify(body).slice(0, 500),
    });
  }
  return body as Record<string, unknown>;
}

/** A field that must be present as a string or number, returned as a string. */
export function field(record: Record<string, unknown>, name: string, where: string): string {
  const v = record[name];
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  throw new BenchError(BenchErrorCode.NodeBadResponse, `${where}: field "${name}" missing or not a string/number`, {
    record: JSON.stringify(record).slice(0, 500),
  });
}

/** The `_embedded.records` array of a Horizon page. */
export function pageRecords(page: Record<string, unknown>, where: string): Record<string, unknown>[] {
  const embedded = page._embedded;
  if (embedded !== null && typeof embedded === "object" && Array.isArray((embedded as {records?: unknown}).records)) {
    return (embedded as {records: Record<string, unknown>[]}).records;
  }
  throw new BenchError(BenchErrorCode.NodeBadResponse, `${where}: no _embedded.records`, {
    page: JSON.stringify(page).slice(0, 500),
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
