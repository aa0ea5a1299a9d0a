/**
 * The /ws protocol (README "WebSocket streams"): JSON text frames. A client subscribes to a
 * topic with optional filters; every subscription maps to one channel (a uWS pub/sub topic),
 * so a ledger's events for a channel are serialised once whatever the number of subscribers.
 */
import {StrKey} from "@stellar/stellar-base";

export const WS_TOPICS = ["ledgers", "transactions", "operations", "payments", "effects", "trades", "order_book", "metrics"] as const;
export type WsTopic = (typeof WS_TOPICS)[number];

/** Topics whose records may be filtered by an account (those Horizon serves under /accounts/{id}/...). */
const ACCOUNT_TOPICS: ReadonlySet<WsTopic> = new Set(["transactions", "operations", "payments", "effects", "trades"]);

/** Close codes the server uses (4000-4999 is the range RFC 6455 leaves to applications). */
export const WsCloseCode = {
  /** The connection's send buffer passed the limit: resubscribe with the last paging token received. */
  SLOW_CONSUMER: 4008,
  /** The server is stopping. */
  GOING_AWAY: 1001,
} as const;

export interface Subscription {
  /** The client's name for the subscription, echoed in `subscribed`, `caught_up` and errors. */
  id: string;
  topic: WsTopic;
  account?: string;
  /** Asset keys ("native" | "CODE:ISSUER") of trades or order_book. */
  base?: string;
  counter?: string;
  /** Absent or "now": new events only; else the paging token after which to resume. */
  cursor?: string;
  /** The pub/sub channel the subscription listens on. */
  channel: string;
}

export type ClientMessage = {op: "subscribe"; sub: Subscription} | {op: "unsubscribe"; id: string};

export class WsProtocolError extends Error {
  constructor(
    readonly code: "bad_request",
    message: string,
    readonly id?: string,
  ) {
    super(message);
    this.name = "WsProtocolError";
  }
}

const ID_RE = /^[\x21-\x7e]{1,64}$/;
const ASSET_RE = /^(native|[A-Za-z0-9]{1,12}:G[A-Z2-7]{55})$/;
/** Paging tokens are decimal TOIDs, optionally "-n" suffixed (effects and trades). */
const CURSOR_RE = /^(now|\d{1,20}(-\d{1,20})?)$/;

/** The channel of a topic and filters: "payments", "payments:account:G…", "trades:pair:A|B", "order_book:A|B". */
export function channelOf(s: {topic: WsTopic; account?: string; base?: string; counter?: string}): string {
  if (s.account !== undefined) return `${s.topic}:account:${s.account}`;
  if (s.base !== undefined && s.counter !== undefined) return s.topic === "order_book" ? `order_book:${s.base}|${s.counter}` : `${s.topic}:pair:${s.base}|${s.counter}`;
  return s.topic;
}

function optString(m: Record<string, unknown>, key: string, id?: string): string | undefined {
  const v = m[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new WsProtocolError("bad_request", `"${key}" must be a string`, id);
  return v;
}

/** Parses one client frame; throws WsProtocolError with a message fit for the client. */
export function parseClientMessage(text: string): ClientMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new WsProtocolError("bad_request", "frames must be JSON objects");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new WsProtocolError("bad_request", "frames must be JSON objects");
  const m = raw as Record<string, unknown>;
  const id = optString(m, "id");
  if (id === undefined || !ID_RE.test(id)) throw new WsProtocolError("bad_request", `"id" must be 1 to 64 printable ASCII characters`);
  if (m.op === "unsubscribe") return {op: "unsubscribe", id};
  if (m.op !== "subscribe") throw new WsProtocolError("bad_request", `"op" must be "subscribe" or "unsubscribe"`, id);

  const topic = optString(m, "topic", id);
  if (topic === undefined || !(WS_TOPICS as readonly string[]).includes(topic)) {
    throw new WsProtocolError("bad_request", `"topic" must be one of ${WS_TOPICS.join(", ")}`, id);
  }
  const t = topic as WsTopic;
  const account = optString(m, "account", id);
  const base = optString(m, "base", id);
  const counter = optString(m, "counter", id);
  const cursor = optString(m, "cursor", id);
  if (account !== undefined) {
    if (!ACCOUNT_TOPICS.has(t)) throw new WsProtocolError("bad_request", `"account" does not apply to ${t}`, id);
    if (!StrKey.isValidEd25519PublicKey(account)) throw new WsProtocolError("bad_request", `"account" must be an account id (G...)`, id);
  }
  if ((base === undefined) !== (counter === undefined)) throw new WsProtocolError("bad_request", `"base" and "counter" go together`, id);
  if (base !== undefined) {
    if (t !== "trades" && t !== "order_book") throw new WsProtocolError("bad_request", `an asset pair applies to trades and order_book only`, id);
    if (account !== undefined) throw new WsProtocolError("bad_request", `filter by an account or by a pair, not both`, id);
    if (!ASSET_RE.test(base) || !ASSET_RE.test(counter!)) throw new WsProtocolError("bad_request", `assets are "native" or "CODE:ISSUER"`, id);
    if (base === counter) throw new WsProtocolError("bad_request", `"base" and "counter" must differ`, id);
  }
  if (t === "order_book" && base === undefined) throw new WsProtocolError("bad_request", `order_book needs "base" and "counter"`, id);
  if (cursor !== undefined) {
    if (!CURSOR_RE.test(cursor)) throw new WsProtocolError("bad_request", `"cursor" must be "now" or a paging token`, id);
    if ((t === "metrics" || t === "order_book") && cursor !== "now") throw new WsProtocolError("bad_request", `${t} has no history to resume from`, id);
  }
  const sub: Subscription = {id, topic: t, channel: channelOf({topic: t, account, base, counter})};
  if (account !== undefined) sub.account = account;
  if (base !== undefined) {
    sub.base = base;
    sub.counter = counter!;
  }
  if (cursor !== undefined && cursor !== "now") sub.cursor = cursor;
  return {op: "subscribe", sub};
}
