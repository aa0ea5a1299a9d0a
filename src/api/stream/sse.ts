/**
 * Horizon's Server-Sent Events on every route it streams. A stream first pages the route's own
 * GET answers from its cursor (or Last-Event-ID) up to the latest ledger, then takes each new
 * ledger's records from the event feed, filtered by the stream's plan: no subscriber reads the
 * store or formats a record once it is live. Object streams re-send the GET answer when the
 * ledger changed what it shows, rendered once per ledger per URL whatever the subscriber count.
 *
 * No gap, no duplicate at the switch: a stream is registered for ledger events before its first
 * page is read, events arriving while a page is read are kept, and once a page comes back short
 * those kept events are replayed skipping every record at or before the last token sent.
 *
 * A stream whose last token is in one of the ledgers the feed keeps (a client reconnecting after
 * a goodbye or a drop, or one that paged up to them) reads no history: it is sent the kept
 * ledgers' records after its token, in the same synchronous step that makes it live. Those
 * records were formatted once for every stream, and each one's SSE event is encoded once and the
 * same bytes written to every connection that sends it.
 */
import type {HttpResponse} from "@trufflesuite/uws-js-unofficial";
import {ApiError, ApiErrorCode, invalidField} from "../errors.js";
import type {GetRoute, Reply, RouteContext} from "../routes/context.js";
import {parseToid, toid} from "../format/toid.js";
import {SseConnection, eventFrame, EVENT_DATA_PREFIX, EVENT_END, EVENT_ID_PREFIX, SSE_HEARTBEAT, writeEvent, type CloseReason} from "./connection.js";
import type {EventFeed, LedgerEvent} from "./interface.js";
import type {Metrics} from "../../metrics/metrics.js";
import {resolveSseOptions, type SseOptions} from "./options.js";
import {packedRun} from "./feed.js";
import {streamPlan, type ObjectStreamPlan, type OfferStreamPlan, type PageStreamPlan, type StreamItem, type StreamPlan} from "./plans.js";

/** A busy worker pool frees up within a few query times (ms); 5 tries 100 ms apart outlast a burst. */
const BUSY_RETRIES = 5;
const BUSY_RETRY_MS = 100;
const MAX_TOID_TX = 0xfffff;
const MAX_TOID_OP = 0xfff;
/** A paging token: a TOID, optionally with an operation-scoped "-n" (effects, trades). */
const TOKEN_RE = /^\d{1,19}(-\d{1,10})?$/;

/** The ledger a paging token belongs to (the TOID's high bits), undefined for what is not a token. */
function ledgerOfToken(token: string): number | undefined {
  if (!TOKEN_RE.test(token)) return undefined;
  const v = BigInt(token.split("-")[0]!);
  if (v >= 1n << 63n) return undefined;
  return Number(v >> 32n);
}

/**
 * Orders paging tokens: TOIDs ("123") and operation-scoped tokens ("123-4", effects and trades).
 * A TOID alone sorts before every token of the same operation (as a cursor it means "from the
 * operation's first").
 */
export function compareTokens(a: string, b: string): number {
  // Two plain TOIDs without leading zeros (every record's token) order as their lengths, then
  // their digits: no split and no BigInt (a stream's binary search over a ledger's records made
  // ~13 of each per reconnection).
  if (canonicalToid(a) && canonicalToid(b)) return a.length !== b.length ? (a.length < b.length ? -1 : 1) : a === b ? 0 : a < b ? -1 : 1;
  const [ah, at] = a.split("-");
  const [bh, bt] = b.split("-");
  const x = BigInt(ah!);
  const y = BigInt(bh!);
  if (x !== y) return x < y ? -1 : 1;
  const i = at === undefined ? -1 : Number(at);
  const j = bt === undefined ? -1 : Number(bt);
  return i === j ? 0 : i < j ? -1 : 1;
}

/** Digits only, without a leading zero (or "0" itself): what `toidString` writes. */
function canonicalToid(token: string): boolean {
  const n = token.length;
  if (n === 0 || n > 19 || (n > 1 && token.charCodeAt(0) === 48)) return false;
  for (let i = 0; i < n; i++) {
    const c = token.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** The index of the first of `items` (in paging order) after `token`: a binary search. */
function firstAfter(items: readonly StreamItem[], token: string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareTokens(items[mid]!.token, token) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A list's events encoded back to back, with where each starts (offsets[i]) and the end (offsets[length]). */
export interface Packed {
  bytes: Buffer;
  offsets: number[];
}

/** Per selected list (a per-account list, or a filtered one, kept with the ledger's event): its events in one buffer. */
const packedLists = new WeakMap<readonly StreamItem[], Packed>();
/** Lists whose events one stream was sent (from `eventScratch`): a second stream sending them packs them for every later one. */
const sentOnce = new WeakSet<readonly StreamItem[]>();
/**
 * Where the events of a list only one stream sends (a one-account stream's records of a ledger)
 * are copied for its write, then reused by the next: a buffer of its own per stream per ledger
 * (~14 KB for 15 payments) was one allocation outside the pool each.
 */
let eventScratch = Buffer.allocUnsafeSlow(64 * 1024);

/**
 * The events of `items[from..to)` as one buffer. A single event is the record's own bytes; a run
 * of consecutive records of a topic list is a view into the list's pack (`packedRun`: a whole
 * topic, as the unfiltered streams take it, is never copied); any other run is copied into the
 * shared scratch the first time (`transient`: valid until the next call, so it must be written
 * or copied at once), and into the list's own pack from the second stream on, so streams sending
 * the same records share the same bytes, copied neither per stream nor per ledger.
 */
function eventBytes(items: readonly StreamItem[], from: number, to: number): {bytes: Buffer; transient: boolean} {
  if (to - from === 1) return {bytes: items[from]!.frame(), transient: false};
  const run = packedRun(items, from, to);
  if (run !== undefined) return {bytes: run, transient: false};
  let packed = packedLists.get(items);
  if (packed === undefined) {
    if (!sentOnce.has(items)) {
      sentOnce.add(items);
      const size = eventsSize(items, from, to);
      if (size > eventScratch.length) eventScratch = Buffer.allocUnsafeSlow(Math.max(size, eventScratch.length * 2));
      return {bytes: eventScratch.subarray(0, writeEvents(items, from, to, eventScratch)), transient: true};
    }
    packed = packEvents(items);
    packedLists.set(items, packed);
  }
  return {bytes: packed.bytes.subarray(packed.offsets[from], packed.offsets[to]), transient: false};
}

/** An item whose event is already encoded (a feed record): its bytes are copied, not encoded again. */
interface EncodedEvent {
  readonly eventByteLength: number;
  copyEvent(target: Buffer, at: number): number;
}

function encoded(item: StreamItem): EncodedEvent | undefined {
  const e = item as Partial<EncodedEvent>;
  return typeof e.copyEvent === "function" ? (e as EncodedEvent) : undefined;
}

/**
 * A list's SSE events (`eventFrame` of each record) written straight into one buffer: no buffer
 * per record kept beside the packed one (a ledger of 3,000 payments held both for the kept
 * ledgers, twice its events' bytes in external memory). A feed record's event is copied from its
 * topic's pack; any other item's is encoded from its text.
 */
export function packEvents(items: readonly StreamItem[]): Packed {
  const offsets = new Array<number>(items.length + 1);
  let size = 0;
  for (let i = 0; i < items.length; i++) {
    offsets[i] = size;
    size += eventSize(items[i]!);
  }
  offsets[items.length] = size;
  const bytes = Buffer.allocUnsafe(size);
  writeEvents(items, 0, items.length, bytes);
  return {bytes, offsets};
}

/** The byte length of an item's SSE event. */
function eventSize(it: StreamItem): number {
  const enc = encoded(it);
  // Tokens are ASCII digits and "-"; the JSON may hold any text (a memo), so it is measured.
  return enc !== undefined ? enc.eventByteLength : EVENT_ID_PREFIX.length + it.token.length + EVENT_DATA_PREFIX.length + Buffer.byteLength(it.json, "utf8") + EVENT_END.length;
}

function eventsSize(items: readonly StreamItem[], from: number, to: number): number {
  let size = 0;
  for (let i = from; i < to; i++) size += eventSize(items[i]!);
  return size;
}

/** Writes the events of `items[from..to)` back to back into `bytes` from 0 (room for them checked by the caller); returns their length. */
function writeEvents(items: readonly StreamItem[], from: number, to: number, bytes: Buffer): number {
  let at = 0;
  for (let i = from; i < to; i++) {
    const it = items[i]!;
    const enc = encoded(it);
    if (enc !== undefined) {
      at += enc.copyEvent(bytes, at);
      continue;
    }
    at += writeEvent(bytes, at, it.token, it.json);
  }
  return at;
}

/** Whether content negotiation picks text/event-stream among Horizon's types (HAL, JSON, event stream, raw). */
export function wantsEventStream(accept: string): boolean {
  if (accept === "") return false;
  let best: {q: number; specificity: number; type: string} | undefined;
  for (const clause of accept.split(",")) {
    const [range, ...params] = clause.trim().toLowerCase().split(";");
    if (range === undefined || range === "") continue;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split("=");
      if (k === "q" && v !== undefined) q = Number(v);
    }
    if (!(q > 0)) continue;
    const [type, sub] = range.trim().split("/");
    const specificity = (type === "*" ? 0 : 1) + (sub === "*" ? 0 : 1);
    const matches = range === "*/*" || type === "application" || range === "text/event-stream" || range === "text/*";
    if (!matches) continue;
    if (best === undefined || q > best.q || (q === best.q && specificity > best.specificity)) best = {q, specificity, type: range.trim()};
  }
  return best !== undefined && (best.type === "text/event-stream" || best.type === "text/*");
}

/** What the server hands a stream: how to run the route (GET semantics) and reply before the preamble. */
export interface StreamRequest {
  route: GetRoute;
  ctx: RouteContext;
  /** The Last-Event-ID header ("" when absent): overrides `cursor`, as in Horizon. */
  lastEventId: string;
  res: HttpResponse;
  /** Registers the handler the server calls when the client goes away. */
  onAbort(cb: () => void): void;
}

interface BaseStream {
  conn: SseConnection | null;
  ctx: RouteContext;
  route: GetRoute;
  /** Events that arrived while a page was being read (replayed after it). */
  pending: LedgerEvent[] | null;
  remaining: number;
}

interface PageStream extends BaseStream {
  kind: "page";
  plan: PageStreamPlan;
  /** The cursor of the next page to read (past hidden records a filtered page scanned). */
  cursor: string | undefined;
  /** The last token sent (or the start cursor): nothing at or before it is sent again. */
  lastToken: string | undefined;
}

interface OfferStream extends BaseStream {
  kind: "offers";
  plan: OfferStreamPlan;
  cursor: string | undefined;
  lastOffer: bigint | undefined;
}

interface ObjectStream extends BaseStream {
  kind: "object";
  plan: ObjectStreamPlan;
  lastBody: string;
}

type Stream = PageStream | OfferStream | ObjectStream;

interface PageBody {
  _links: {next?: {href: string}};
  _embedded: {records: {paging_token: string}[]};
}

function bodyText(reply: Reply): string {
  return typeof reply.body === "string" ? reply.body : reply.body.toString("utf8");
}

async function answer(route: GetRoute, ctx: RouteContext): Promise<Reply> {
  return route.handle(ctx);
}

export class SseStreams {
  readonly opts: SseOptions;
  private readonly streams = new Set<Stream>();
  private unsubscribe: (() => void) | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  /** Object renders of the current ledger, by URL: one render per ledger whatever the subscriber count. */
  private renders = new Map<string, Promise<Reply>>();
  /**
   * Parameter checks the route accepted since the last ledger, by request (`checkParams`): a
   * client reconnecting after each goodbye asks the same request many times a ledger, and the
   * route's answer to it cannot change before the next ledger is committed.
   */
  private accepted = new Set<string>();
  private readonly closed: Record<CloseReason, number> = {client: 0, limit: 0, overflow: 0, error: 0, shutdown: 0};
  /** Collection streams that caught up from the feed's kept ledgers, and pages read from history. */
  private readonly served = {window: 0, pages: 0};
  /** Ledgers received and not yet sent to every stream, oldest first. */
  private readonly fanOutQueue: LedgerEvent[] = [];
  /** The ledger being sent: the streams open when it arrived and how many were done. */
  private fanOut: {e: LedgerEvent; streams: Stream[]; next: number} | null = null;

  constructor(
    opts: Partial<SseOptions> | undefined,
    private readonly modules: {
      feed?: EventFeed;
      maxPageLimit: number;
      defaultPageLimit: number;
      log: {error(o: object, msg: string): void};
      /** The gauge of open streams, set on every registration and removal whatever the path. */
      metrics?: Pick<Metrics, "streamSubscribers">;
    },
  ) {
    this.opts = resolveSseOptions(opts);
  }

  start(): void {
    if (this.unsubscribe === null && this.modules.feed !== undefined) this.unsubscribe = this.modules.feed.subscribe((e) => this.onLedger(e));
    if (this.heartbeat === null) {
      this.heartbeat = setInterval(() => this.beat(), this.opts.heartbeatMs);
      this.heartbeat.unref();
    }
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.fanOutQueue.length = 0;
    this.fanOut = null;
    for (const s of [...this.streams]) {
      if (s.conn !== null) s.conn.aborted();
      this.untrack(s);
    }
  }

  /** Registers a stream and publishes the new count. */
  private track(s: Stream): void {
    this.streams.add(s);
    this.publishCount();
  }

  /** Forgets a stream (false when it was already gone) and publishes the new count. */
  private untrack(s: Stream): boolean {
    const had = this.streams.delete(s);
    if (had) this.publishCount();
    return had;
  }

  private publishCount(): void {
    this.modules.metrics?.streamSubscribers.set({transport: "sse"}, this.streams.size);
  }

  /** Open streams (registered, catching up or live). */
  get count(): number {
    return this.streams.size;
  }

  /**
   * How collection streams caught up so far: `window` counts streams served from the feed's
   * kept ledgers (no history read beyond a one-record parameter check), `pages` the history
   * pages read.
   */
  catchUpCounts(): Readonly<{window: number; pages: number}> {
    return {...this.served};
  }

  /** Streams ended so far, by reason. */
  closedCounts(): Readonly<Record<CloseReason, number>> {
    return {...this.closed};
  }

  /**
   * Opens a stream for `req`. Resolves with a reply to send instead (400 for a bad parameter,
   * 404, 406 for a route that does not stream, 503 past the stream limit), or null once the
   * stream has started.
   */
  async open(req: StreamRequest): Promise<Reply | null> {
    const plan: StreamPlan | undefined = streamPlan(req.route.pattern, req.ctx);
    if (plan === undefined) {
      throw new ApiError(ApiErrorCode.NOT_ACCEPTABLE, `${req.route.pattern} cannot be streamed; ask for application/hal+json.`);
    }
    if (this.streams.size >= this.opts.maxStreams) {
      throw new ApiError(ApiErrorCode.SERVICE_UNAVAILABLE, `This node serves at most ${this.opts.maxStreams} streams at once; retry later.`, {
        headers: [["Retry-After", "5"]],
      });
    }
    let aborted = false;
    let stream: Stream | null = null;
    req.onAbort(() => {
      aborted = true;
      if (stream !== null) this.release(stream, "client");
    });
    const base = {conn: null, ctx: req.ctx, route: req.route, pending: [] as LedgerEvent[], remaining: 0};
    const start = req.lastEventId !== "" ? req.lastEventId : (req.ctx.query.get("cursor") ?? "");
    if (plan.kind === "object") {
      const s: ObjectStream = {...base, kind: "object", plan, lastBody: "", remaining: this.opts.objectStreamLimit};
      stream = s;
      this.track(s);
      try {
        const reply = await answer(req.route, req.ctx);
        if (reply.status !== 200) {
          this.untrack(s);
          return reply;
        }
        if (aborted) {
          this.untrack(s);
          return null;
        }
        this.begin(s, req.res);
        this.sendObject(s, bodyText(reply));
      } catch (err) {
        this.untrack(s);
        throw err;
      }
      this.goLive(s);
      return null;
    }
    const limit = this.limitOf(req.ctx);
    if (plan.kind === "offers") {
      const now = start === "now";
      const s: OfferStream = {...base, kind: "offers", plan, remaining: limit, cursor: now ? undefined : start === "" ? undefined : start, lastOffer: undefined};
      if (!now && start !== "") s.lastOffer = /^\d{1,19}$/.test(start) ? BigInt(start) : undefined;
      stream = s;
      return this.startPaging(s, req, now, () => aborted);
    }
    // "now": after everything in the latest ledger, as Horizon's toid.AfterLedger.
    const cursor = start === "now" ? toid(req.ctx.modules.reader.latestHeader().seq, MAX_TOID_TX, MAX_TOID_OP) : start === "" ? undefined : start;
    const s: PageStream = {...base, kind: "page", plan, remaining: limit, cursor, lastToken: cursor};
    stream = s;
    return this.startPaging(s, req, false, () => aborted);
  }

  /** `limit`: events per connection before the goodbye (Horizon's), checked as a page's limit is. */
  private limitOf(ctx: RouteContext): number {
    const raw = ctx.query.get("limit") ?? "";
    if (raw === "") return this.modules.defaultPageLimit;
    if (!/^\d{1,9}$/.test(raw)) throw invalidField("limit", "unparseable value");
    const n = Number(raw);
    if (n < 1 || n > this.modules.maxPageLimit) throw invalidField("limit", `limit must be between 1 and ${this.modules.maxPageLimit}`);
    return n;
  }

  private async startPaging(s: PageStream | OfferStream, req: StreamRequest, skipCatchUp: boolean, aborted: () => boolean): Promise<Reply | null> {
    this.track(s);
    let first: {records: {paging_token: string}[]; next: string | undefined} | null = null;
    let fromWindow = false;
    try {
      if (!skipCatchUp && s.kind === "page" && this.window(s) !== undefined) {
        // Everything after the cursor is in the feed's kept ledgers: only the parameters are
        // checked as the GET would (a 400 or 404 before any preamble), with a one-record read.
        const reply = await this.checkParams(s);
        if (reply !== null) {
          this.untrack(s);
          return reply;
        }
        fromWindow = true;
      } else if (!skipCatchUp) {
        first = await this.readPage(s);
        if (first === null) return null;
      } else {
        // Parameters are still checked as the GET would (a 400 before any preamble).
        const q = new URLSearchParams(s.ctx.query);
        q.delete("cursor");
        await answer(s.route, {...s.ctx, query: q});
      }
    } catch (err) {
      this.untrack(s);
      throw err;
    }
    if (aborted()) {
      this.untrack(s);
      return null;
    }
    this.begin(s, req.res);
    if (fromWindow) {
      // The window moved past the cursor during the check (only under a burst of ledgers): page history.
      if (!this.serveFromWindow(s as PageStream)) void this.catchUp(s);
    } else if (first !== null) {
      const more = this.sendPage(s, first.records, first.next);
      if (more) void this.catchUp(s);
      else this.goLive(s);
    } else this.goLive(s);
    return null;
  }

  private begin(s: Stream, res: HttpResponse): void {
    const conn = new SseConnection(res, this.opts.maxBufferedBytes, (reason) => this.release(s, reason));
    s.conn = conn;
    conn.start();
  }

  private release(s: Stream, reason: CloseReason): void {
    if (!this.untrack(s)) return;
    this.closed[reason]++;
    if (s.conn !== null && reason === "client") s.conn.aborted();
  }

  /** The feed's kept events holding every record after the stream's last token, or undefined. */
  private window(s: PageStream): readonly LedgerEvent[] | undefined {
    if (s.lastToken === undefined) return undefined;
    const ledger = ledgerOfToken(s.lastToken);
    return ledger === undefined ? undefined : this.modules.feed?.since?.(ledger);
  }

  /**
   * Sends the stream's records from the feed's kept events, which then reach the ledger it
   * receives next, and makes it live; false (nothing sent) when they do not reach back to its
   * last token. Synchronous, so no ledger is published between the kept events and going live.
   */
  private serveFromWindow(s: PageStream): boolean {
    const events = this.window(s);
    if (events === undefined) return false;
    // Every event kept meanwhile is among `events`, or is of a ledger before the last token's and has nothing after it.
    s.pending = null;
    this.served.window++;
    const conn = s.conn;
    const all = (): void => {
      for (const e of events) {
        if (s.conn === null || !s.conn.open) break;
        this.deliver(s, e);
      }
    };
    if (conn === null) all();
    else conn.batch(all);
    return true;
  }

  /** The route's answer to the stream's parameters (reading at most one record): null when it accepts them, else its reply. */
  private async checkParams(s: PageStream): Promise<Reply | null> {
    const q = new URLSearchParams(s.ctx.query);
    // Every collection route takes a plain TOID as cursor: checked here, the route reads from
    // `now` (an empty read). An operation-scoped token ("-n") is the route's own to accept.
    q.set("cursor", parseToid(s.lastToken!) !== undefined ? "now" : s.lastToken!);
    q.set("limit", "1");
    q.set("order", "asc");
    const key = `${s.ctx.path}?${q.toString()}`;
    if (this.accepted.has(key)) return null;
    const accepted = this.accepted;
    const reply = await answer(s.route, {...s.ctx, query: q});
    if (reply.status !== 200) return reply;
    // Kept only if no ledger came meanwhile (a new ledger starts a new set).
    accepted.add(key);
    return null;
  }

  /** One page of the route from the stream's cursor, or null when the stream failed meanwhile. */
  private async readPage(s: PageStream | OfferStream): Promise<{records: {paging_token: string}[]; next: string | undefined} | null> {
    // Events before this read are covered by it; only later ones need replaying.
    s.pending = [];
    this.served.pages++;
    const q = new URLSearchParams(s.ctx.query);
    if (s.cursor === undefined) q.delete("cursor");
    else q.set("cursor", s.cursor);
    q.set("limit", String(Math.min(s.remaining, this.modules.maxPageLimit)));
    q.set("order", "asc");
    const reply = await answer(s.route, {...s.ctx, query: q});
    if (reply.status !== 200) {
      if (s.conn === null) throw new ApiError(ApiErrorCode.SERVER_ERROR, `stream page answered ${reply.status}`);
      s.conn.fail(`stream page answered ${reply.status}`);
      return null;
    }
    const page = JSON.parse(bodyText(reply)) as PageBody;
    const href = page._links.next?.href;
    const next = href === undefined ? undefined : new URL(href, "http://x").searchParams.get("cursor") ?? undefined;
    return {records: page._embedded.records, next: next === "" ? undefined : next};
  }

  /** Sends a page's records; true when another page may follow (the page was full or skipped hidden records). */
  private sendPage(s: PageStream | OfferStream, records: {paging_token: string}[], next: string | undefined): boolean {
    const asked = Math.min(s.remaining, this.modules.maxPageLimit);
    for (const r of records) {
      if (s.conn === null || !s.conn.open) return false;
      if (s.kind === "page" && s.lastToken !== undefined && compareTokens(r.paging_token, s.lastToken) <= 0) continue;
      s.conn.send(eventFrame(r.paging_token, JSON.stringify(r)));
      s.cursor = r.paging_token;
      if (s.kind === "page") s.lastToken = r.paging_token;
      else s.lastOffer = BigInt(r.paging_token);
      if (--s.remaining === 0) {
        s.conn.goodbye();
        return false;
      }
    }
    if (s.kind === "page" && next !== undefined && (s.cursor === undefined || compareTokens(next, s.cursor) > 0)) {
      s.cursor = next;
      return true;
    }
    return records.length >= asked;
  }

  private async catchUp(s: PageStream | OfferStream): Promise<void> {
    try {
      for (;;) {
        await new Promise<void>((r) => setImmediate(r));
        if (s.conn === null || !s.conn.open) return;
        // Caught up to the feed's kept ledgers: the rest comes from there.
        if (s.kind === "page" && this.serveFromWindow(s)) return;
        const page = await this.readPage(s);
        if (page === null) return;
        if (!this.sendPage(s, page.records, page.next)) break;
      }
      this.goLive(s);
    } catch (err) {
      this.modules.log.error({err, path: s.ctx.path}, "stream catch-up failed");
      s.conn?.fail("the stream failed; reconnect to resume");
    }
  }

  /** Replays the events kept during catch-up, then takes events as they come. */
  private goLive(s: Stream): void {
    const kept = s.pending ?? [];
    s.pending = null;
    for (const e of kept) {
      if (s.conn === null || !s.conn.open) return;
      this.deliver(s, e);
    }
  }

  /** Queues the ledger for its fan-out to the open streams, `fanOutSliceStreams` per event-loop turn, one ledger after the other. */
  private onLedger(e: LedgerEvent): void {
    this.renders = new Map();
    this.accepted = new Set();
    this.fanOutQueue.push(e);
    if (this.fanOut === null) this.startFanOut();
  }

  private startFanOut(): void {
    const e = this.fanOutQueue.shift();
    if (e === undefined) {
      this.fanOut = null;
      return;
    }
    this.fanOut = {e, streams: [...this.streams], next: 0};
    this.fanOutSlice();
  }

  /**
   * Sends the current ledger to the next slice of the streams open when it arrived. A stream that
   * ended meanwhile is skipped; one still catching up keeps the event for after its pages; one
   * opened after the ledger arrived read or was sent it already (its page read or its kept
   * ledgers cover it).
   */
  private fanOutSlice(): void {
    const f = this.fanOut;
    if (f === null) return;
    const end = Math.min(f.streams.length, f.next + this.opts.fanOutSliceStreams);
    for (; f.next < end; f.next++) {
      const s = f.streams[f.next]!;
      if (!this.streams.has(s)) continue;
      if (s.pending !== null) s.pending.push(f.e);
      else if (s.conn !== null && s.conn.open) this.deliver(s, f.e);
    }
    if (f.next < f.streams.length) setImmediate(() => this.fanOutSlice());
    else if (this.fanOutQueue.length > 0) setImmediate(() => this.startFanOut());
    else this.fanOut = null;
  }

  private deliver(s: Stream, e: LedgerEvent): void {
    if (s.kind === "object") {
      if (s.plan.touched(e.changed)) void this.refresh(s);
      return;
    }
    const topics = e.topicsFor(s.ctx.base);
    const conn = s.conn!;
    // A ledger's events go out as one write of one buffer: each uWS write is an HTTP chunk of
    // its own (a write per record cost ~30 µs each in the streams bench's profile).
    const frames: Buffer[] = [];
    let done = false;
    let transient = false;
    if (s.kind === "page") {
      const items = s.plan.select(topics);
      const from = s.lastToken === undefined ? 0 : firstAfter(items, s.lastToken);
      const to = Math.min(items.length, from + s.remaining);
      if (to > from) {
        const events = eventBytes(items, from, to);
        frames.push(events.bytes);
        transient = events.transient;
        s.lastToken = items[to - 1]!.token;
        s.remaining -= to - from;
        done = s.remaining === 0;
      }
    } else {
      for (const item of s.plan.select(topics, s.lastOffer)) {
        frames.push(item.frame());
        s.lastOffer = BigInt(item.token);
        if (--s.remaining === 0) {
          done = true;
          break;
        }
      }
    }
    if (frames.length === 0) return;
    conn.batch(() => {
      if (conn.send(frames.length === 1 ? frames[0]! : Buffer.concat(frames), transient) && done) conn.goodbye();
    });
  }

  /**
   * The object's GET answer for this ledger (one render per URL per ledger), sent when it differs
   * from the last sent. A render the worker pool turned away (503, every worker busy) is tried
   * again shortly rather than ending the stream.
   */
  private async refresh(s: ObjectStream, attempt = 0): Promise<void> {
    const key = `${s.ctx.base} ${s.ctx.path}?${s.ctx.query.toString()}`;
    const renders = this.renders;
    let render = renders.get(key);
    if (render === undefined) {
      render = answer(s.route, s.ctx);
      renders.set(key, render);
    }
    let reply: Reply;
    try {
      reply = await render;
    } catch (err) {
      if (err instanceof ApiError && err.code === ApiErrorCode.SERVICE_UNAVAILABLE && attempt < BUSY_RETRIES) {
        if (renders.get(key) === render) renders.delete(key);
        setTimeout(() => {
          if (s.conn !== null && s.conn.open) void this.refresh(s, attempt + 1);
        }, BUSY_RETRY_MS).unref();
        return;
      }
      const message = err instanceof ApiError ? err.message : "the stream failed; reconnect to resume";
      s.conn?.fail(message);
      return;
    }
    if (s.conn === null || !s.conn.open) return;
    if (reply.status !== 200) return s.conn.fail(`the resource answered ${reply.status}`);
    this.sendObject(s, bodyText(reply));
  }

  private sendObject(s: ObjectStream, body: string): void {
    if (body === s.lastBody || s.conn === null) return;
    s.lastBody = body;
    s.conn.send(eventFrame(undefined, body));
    if (--s.remaining === 0) s.conn.goodbye();
  }

  private beat(): void {
    for (const s of this.streams) if (s.conn !== null && s.conn.open) s.conn.send(SSE_HEARTBEAT);
  }
}
