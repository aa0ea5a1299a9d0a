/**
 * The subscribers of the streams bench, in a process of their own so their parsing does not
 * share an event loop with the load generator: N WebSocket subscribers (/ws, topic payments) and
 * M SSE streams (GET /payments or /accounts/{id}/payments from `now`, reconnecting after each
 * goodbye with Last-Event-ID as an EventSource does). As wallets do, most follow one account's
 * payments (the load's accounts, round-robin); a few follow every payment (the firehose). Per
 * ledger, the arrival at every consumer is compared with the first arrival anywhere: the fan-out
 * spread.
 *
 * They run on the same cores as the node, so each is as cheap as a client that reads the bytes
 * can be: no record is parsed, and no client library sits between the socket and the consumer.
 * A WebSocket consumer is a TCP socket with the RFC 6455 handshake and a minimal frame parser
 * (server frames unmasked, its own frames masked, pings answered); an SSE consumer is a TCP
 * socket speaking HTTP/1.1 with a chunked-body decoder, reconnecting after each goodbye on the
 * same keep-alive connection, as a browser's EventSource reuses its pooled connection. Every
 * socket reads into one buffer shared by the process (`connectShared`): what a parser keeps of a
 * read is a copy. Every record's bytes go into a running CRC-32 and byte count (`RecordsDigest`):
 * a /ws frame's run of records as it is, scanned as it arrives (the layout of `recordsDigest`: a
 * ledger's records joined by "," then "\n"), an SSE record's event as it is, in runs of the
 * events back to back in a read (`eventsDigest`). Records are found and counted by byte
 * searches; only the first and last token of each frame or socket chunk are read as strings (the
 * first must follow the last one before it; the last is the next request's Last-Event-ID). The bench compares each digest with
 * the one of the same records read back with GET after the load: every record arrived, once, in
 * order, byte-identical to the GET's. A large frame or chunk that several consumers receive
 * alike (a ledger's /ws firehose frame, an SSE firehose's run of 200 events) is scanned and
 * hashed once (`SharedFrames`): each other consumer compares its bytes with it and adds its
 * CRC-32 to its digest (`crc32Combine`), so every byte each consumer got is still checked.
 *
 * Driven by the bench over IPC (`fork`): {start: options} → "ready" once every consumer is
 * subscribed; "mark" → "marked" once the CPU time and the fan-out spread count from then (after
 * the warm-up); "stop" → the report, then the process exits.
 */
import net from "node:net";
import {createHash, randomBytes} from "node:crypto";
import zlib from "node:zlib";
import * as hdr from "hdr-histogram-js";
import {niceOtherThreads} from "../src/util/thread-priority.js";

export interface ConsumersOptions {
  baseUrl: string;
  ws: number;
  sse: number;
  /** Of those, how many follow every payment; the others follow one account each. */
  firehoseWs: number;
  firehoseSse: number;
  /** The accounts the others follow, round-robin. */
  accounts: string[];
  /** Sockets opened at once while connecting. */
  connectConcurrency: number;
  /** The SSE streams' `limit`: events per response before the node's goodbye and the consumer's reconnection (default 200, Horizon's largest). */
  sseLimit?: number;
  /**
   * The nice value this process's threads run at (0 or absent: as started). The consumers stand
   * for remote clients: on the bench's shared cores they yield to the node under test.
   */
  nice?: number;
}

/** What one consumer followed ("" : every payment, else an account) and received. */
export interface ConsumerCount {
  follows: string;
  records: number;
  /** `RecordsDigest` of the records received (CRC-32 and byte count): laid out as `recordsDigest` (ws) or `eventsDigest` (sse). */
  digest: string;
}

export interface ConsumersReport {
  ws: ConsumerCount[];
  sse: ConsumerCount[];
  /** Frames or chunks whose first record is not after the consumer's record before them (within them the digest checks the order). */
  outOfOrder: number;
  /** SSE reconnections after a goodbye or drop, and failed connections. */
  sseReconnects: number;
  errors: number;
  /** WS connections the node closed (slow consumer or otherwise). */
  wsClosedByNode: number;
  /** WS record frames that did not have the live frame's layout (each counts as an error). */
  malformed: number;
  /** Fan-out spread per (ledger, consumer), µs. */
  spreadUs: {p50: number; p99: number; max: number; count: number};
  consumerRssBytes: number;
  /** CPU time of this process (user + system) from "ready" (or the last "mark") to "stop", µs: what the consumers cost the shared cores. */
  consumerCpuUs: number;
  /** Of which user time, µs (the rest is the kernel's: receiving from loopback, the socket calls). */
  consumerUserUs: number;
  /** The nice value set on this process's threads, how many were set and refused (absent: none asked). */
  niced?: {nice: number; threads: number; failed: number; refused?: string};
}

/**
 * A running CRC-32 of a byte stream with its length, as "crc32:<8 hex digits>:<bytes>". With the
 * record count beside it this is the delivery check: a lost, repeated, reordered or altered
 * record changes it except with odds of about 2^-32 (and CRC-32 detects every error burst up to
 * 32 bits long for certain). Not a defence against a forger, which the node
 * under test is not. Chosen over SHA-256 for its cost: zlib's crc32 runs at 3.8 GB/s on 1 KB
 * pieces and 7.1 GB/s on 64 KB on the bench machine, SHA-256 at 1.8 / 2.1 GB/s, and the
 * consumers hash ~21 KB per payment sent (20 firehoses of ~1 KB records).
 */
export class RecordsDigest {
  private crc = 0;
  private bytes = 0;

  /** Adds `data` (a string as its UTF-8 bytes). */
  update(data: Buffer | string): this {
    this.crc = zlib.crc32(data, this.crc);
    this.bytes += typeof data === "string" ? Buffer.byteLength(data) : data.length;
    return this;
  }

  /**
   * Adds the bytes whose own CRC-32 (from 0, as `zlib.crc32(bytes)` gives it) and length are
   * given, without reading them: the same state as `update` with those bytes (`crc32Combine`).
   */
  append(crc: number, length: number): this {
    this.crc = crc32Combine(this.crc, crc, length);
    this.bytes += length;
    return this;
  }

  digest(): string {
    return `crc32:${(this.crc >>> 0).toString(16).padStart(8, "0")}:${this.bytes}`;
  }
}

/** CRC-32's polynomial, bit-reflected (zlib's). */
const CRC_POLY = 0xedb88320;

/** a·b modulo the CRC polynomial, both bit-reflected as CRC-32 values are (x^0 is the top bit). */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if ((a & m) !== 0) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = (b & 1) !== 0 ? (b >>> 1) ^ CRC_POLY : b >>> 1;
  }
  return p >>> 0;
}

/** x^(2^k) modulo the polynomial, for k = 0..31 (x^1 is 1 << 30 reflected). */
const X_POW_2K: number[] = (() => {
  const t = [0x40000000];
  for (let k = 1; k < 32; k++) t.push(multModP(t[k - 1]!, t[k - 1]!));
  return t;
})();

/** x^(8·n) modulo the polynomial: the shift that n bytes appended after a CRC apply to it. */
function xPow8n(n: number): number {
  let p = 0x80000000;
  let k = 3;
  while (n > 0) {
    if (n % 2 === 1) p = multModP(X_POW_2K[k & 31]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/**
 * The CRC-32 of A followed by B from the CRC-32s of A and of B (each from 0) and B's length:
 * CRC-32 is affine in its input, so A's CRC is carried over B's bytes by multiplying it by
 * x^(8·|B|) modulo the polynomial (the method of zlib's crc32_combine).
 */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multModP(xPow8n(lengthB), crcA >>> 0) ^ crcB) >>> 0;
}

/**
 * The digest of a list of records in paging order, as a consumer computes it from what it
 * received: each ledger's records' JSON joined by ",", each ledger's run followed by "\n". A live
 * /ws frame carries one ledger's records of its channel (`"records":[…]` is that run), so
 * frames hash as they come; an SSE stream joins its events by their tokens' ledgers.
 */
export function recordsDigest(records: readonly {token: string; json: string}[]): string {
  const h = new RecordsDigest();
  let ledger = -1;
  for (const r of records) {
    const l = ledgerOf(r.token);
    if (ledger !== -1) h.update(l === ledger ? "," : "\n");
    ledger = l;
    h.update(r.json);
  }
  if (ledger !== -1) h.update("\n");
  return h.digest();
}

/**
 * The digest of a list of records as an SSE consumer computes it from what it received: each
 * record's event as the node writes it (`id: <token>`, `data: <json>`, the blank line), back to
 * back; the stream's other events (the preamble, goodbyes, comments) are left out.
 */
export function eventsDigest(records: readonly {token: string; json: string}[]): string {
  const h = new RecordsDigest();
  for (const r of records) h.update(`id: ${r.token}\ndata: `).update(r.json).update("\n\n");
  return h.digest();
}

/**
 * The ledger of a paging token: the TOID's high 32 bits. The decimal TOID as a double is within
 * 2^10 of its value (19 digits, below 2^63), so dividing it by 2^32 gives the ledger unless the
 * low 32 bits are that close to a ledger boundary; those few go through exact long division.
 */
function ledgerOf(token: string): number {
  const dash = token.indexOf("-");
  const digits = dash < 0 ? token.length : dash;
  const x = Number(dash < 0 ? token : token.slice(0, dash));
  const ledger = Math.floor(x / 2 ** 32);
  const low = x - ledger * 2 ** 32;
  if (low > 4096 && low < 2 ** 32 - 4096) return ledger;
  return ledgerExact(token, digits);
}

/** `ledgerOf` by long division of the decimal digits by 2^32 in chunks of 6 (every partial value below 2^53: exact). */
function ledgerExact(token: string, digits: number): number {
  let ledger = 0;
  let rem = 0;
  for (let i = 0; i < digits; i += 6) {
    const end = Math.min(digits, i + 6);
    rem = rem * 10 ** (end - i) + Number(token.slice(i, end));
    const q = Math.floor(rem / 2 ** 32);
    ledger = ledger * 10 ** (end - i) + q;
    rem -= q * 2 ** 32;
  }
  return ledger;
}

/** Orders two whole numbers written in decimal without leading zeros: by length, then by digits. */
function compareDecimal(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

/** `compareTokens` of the API (TOID, then the "-n" index; a bare TOID first) on the strings, without BigInt. */
function tokenOrder(a: string, b: string): number {
  const i = a.indexOf("-");
  const j = b.indexOf("-");
  const byToid = compareDecimal(i < 0 ? a : a.slice(0, i), j < 0 ? b : b.slice(0, j));
  if (byToid !== 0) return byToid;
  if (i < 0 || j < 0) return i < 0 && j < 0 ? 0 : i < 0 ? -1 : 1;
  return compareDecimal(a.slice(i + 1), b.slice(j + 1));
}

class Fanout {
  private readonly first = new Map<number, number>();
  private readonly arrivals: Array<[number, number]> = [];
  seen(ledger: number): void {
    const at = performance.now();
    if (!this.first.has(ledger)) this.first.set(ledger, at);
    this.arrivals.push([ledger, at]);
  }
  /** Forgets the arrivals so far (the first arrival of each ledger is kept, for ledgers still arriving). */
  clear(): void {
    this.arrivals.length = 0;
  }
  summary(): ConsumersReport["spreadUs"] {
    const h = hdr.build({lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3});
    for (const [ledger, at] of this.arrivals) h.recordValue(Math.max(1, Math.round((at - this.first.get(ledger)!) * 1000)));
    return {p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99), max: h.maxValue, count: h.totalCount};
  }
}

interface Consumer {
  follows: string;
  records: number;
  outOfOrder: number;
  last: string;
  /** Last ledger whose arrival was recorded (one arrival per ledger per consumer). */
  lastLedger: number;
  hash: RecordsDigest;
  close(): void;
}

function newConsumer(follows: string, close: () => void): Consumer {
  return {follows, records: 0, outOfOrder: 0, last: "", lastLedger: -1, hash: new RecordsDigest(), close};
}

/**
 * The first or last record's token of a frame or chunk. Only those are read as strings: the
 * first must come after the consumer's last record before it (the digest checks the order of the
 * records between), and each ledger's first arrival at the consumer is noted.
 */
function take(c: Consumer, token: string, fanout: Fanout): void {
  if (c.last !== "" && tokenOrder(token, c.last) <= 0) c.outOfOrder++;
  c.last = token;
  const ledger = ledgerOf(token);
  if (ledger !== c.lastLedger) {
    c.lastLedger = ledger;
    fanout.seen(ledger);
  }
}

/**
 * The id of a record's event `buf[start..end)` (it starts with "id: "). The id line is short (a
 * token): its end is found by a loop, cheaper here than a native search.
 */
function eventId(buf: Buffer, start: number, end: number): string {
  const from = start + ID_LINE.length;
  let nl = from;
  const most = Math.min(end, from + MAX_ID_LINE);
  while (nl < most && buf[nl] !== 0x0a) nl++;
  return buf.toString("latin1", from, nl);
}

const RECORDS_FRAME = Buffer.from('{"type":"records"');
const RECORDS_KEY = Buffer.from('"records":[');
const TOKEN_KEY = Buffer.from('"paging_token":"');
const QUOTE = 0x22;
/**
 * The key's last bytes, searched for instead of the whole key: a needle that starts with a quote
 * (one in every few bytes of JSON) keeps the search stopping at false starts, and this one
 * (`g_token":"`) is found about 3-5x faster over payment records. The key's first bytes are then
 * compared in place.
 */
const TOKEN_KEY_TAIL = TOKEN_KEY.subarray(6);
const TOKEN_KEY_HEAD = 6;

/** `p.indexOf(TOKEN_KEY, from)`, the same answer, found through the key's tail. */
export function indexOfTokenKey(p: Buffer, from: number): number {
  let j = from + TOKEN_KEY_HEAD;
  while ((j = p.indexOf(TOKEN_KEY_TAIL, j)) >= 0) {
    const k = j - TOKEN_KEY_HEAD;
    // '"pagin'
    if (p[k] === 0x22 && p[k + 1] === 0x70 && p[k + 2] === 0x61 && p[k + 3] === 0x67 && p[k + 4] === 0x69 && p[k + 5] === 0x6e) return k;
    j++;
  }
  return -1;
}

/** For the bench's tests: the consumer's own token arithmetic. */
export const tokenMath = {ledgerOf, tokenOrder};

/** A token's key, a token (a TOID of at most 19 digits, "-", an index of at most 10) and its closing quote. */
const MAX_TOKEN_RUN = TOKEN_KEY.length + 31;

/** Where a records frame's bytes go: each valid only during the call (the bytes are the process's shared read buffer). */
export interface RecordsFrameOut {
  /** A record's token, `buf[start..end)`, in order. */
  token(buf: Buffer, start: number, end: number): void;
  /** The next run of the records' bytes (between `"records":[` and the closing `]}`), in order. */
  bytes(b: Buffer): void;
  /** The frame ended: whether it had the layout, how many tokens it held and its last one. */
  records(ok: boolean, count: number, last: string): void;
  /** A data frame that is not a records frame, copied whole (subscribed, errors: few). */
  other(payload: Buffer): void;
}

/** A data frame's payload handed over as it arrives: its length, its pieces in order, its end. */
export interface DataFrameSink {
  start(length: number): void;
  piece(buf: Buffer, start: number, end: number): void;
  end(): void;
}

/** Longest head a records frame has before `"records":[` (its type, channel, topic, ledger, cursor: under 300 bytes). */
const MAX_RECORDS_HEAD = 4096;

/**
 * The records of live records frames `{"type":"records",…,"records":[<one ledger's records>]}`,
 * scanned as their pieces arrive (a ledger's firehose frame is megabytes, read in socket chunks
 * into one buffer the next read overwrites): nothing is kept of a piece but copies of a few
 * bytes. Each token is found by a byte search (a record's only "paging_token" key: payment
 * records embed no other record), a token cut by a piece's end through a copy of the bytes
 * before the cut; the records' bytes go out as they come, up to the closing `]}`, which the
 * frame's length places. A head cut by a piece's end is gathered (copied) until its
 * `"records":[`; a frame that does not start as a records frame is gathered whole for `other`.
 */
export class RecordsFrameScanner implements DataFrameSink {
  private length = 0;
  /** Payload bytes received of the frame. */
  private at = 0;
  private mode: "head" | "body" | "other" = "head";
  /** Copies of the head (or of a whole other frame) so far. */
  private gathered: Buffer[] = [];
  private gatheredLength = 0;
  /** The body's last MAX_TOKEN_RUN - 1 bytes so far: a token not yet complete starts there. */
  private readonly carry = Buffer.alloc(MAX_TOKEN_RUN - 1);
  private carryLength = 0;
  /** The carry and the next piece's first bytes, for tokens across the cut. */
  private readonly seam = Buffer.alloc(2 * MAX_TOKEN_RUN);
  /** The frame's last two bytes (its closing "]}"). */
  private readonly tail = Buffer.alloc(2);
  /** A copy of the newest token. */
  private readonly last = Buffer.alloc(MAX_TOKEN_RUN);
  private lastLength = 0;
  private tokens = 0;

  constructor(private readonly out: RecordsFrameOut) {}

  start(length: number): void {
    this.length = length;
    this.at = 0;
    this.mode = "head";
    this.gathered = [];
    this.gatheredLength = 0;
    this.carryLength = 0;
    this.lastLength = 0;
    this.tokens = 0;
    this.tail.fill(0);
  }

  piece(buf: Buffer, start: number, end: number): void {
    const off = this.at;
    this.at += end - start;
    // The frame's last two bytes, placed by its length.
    for (let k = Math.max(start, start + this.length - 2 - off); k < end; k++) this.tail[off + (k - start) - (this.length - 2)] = buf[k]!;
    if (this.mode === "body") return this.body(buf, start, Math.min(end, start + this.length - 2 - off));
    if (this.mode === "other") return this.gather(buf, start, end);
    // The head: read in place when the piece holds it (the usual case), else gathered.
    let head = buf;
    let from = start;
    let to = end;
    let headOff = off;
    if (this.gatheredLength > 0) {
      this.gather(buf, start, end);
      head = Buffer.concat(this.gathered);
      from = 0;
      to = head.length;
      headOff = 0;
    }
    const n = Math.min(to - from, RECORDS_FRAME.length);
    if (head.compare(RECORDS_FRAME, 0, n, from, from + n) !== 0) {
      this.mode = "other";
      if (this.gatheredLength === 0) this.gather(buf, start, end);
      return;
    }
    const at = head.subarray(from, to).indexOf(RECORDS_KEY);
    if (at < 0) {
      if (this.gatheredLength === 0) this.gather(buf, start, end);
      if (this.gatheredLength > MAX_RECORDS_HEAD) this.mode = "other";
      return;
    }
    this.mode = "body";
    this.gathered = [];
    this.gatheredLength = 0;
    this.body(head, from + at + RECORDS_KEY.length, Math.min(to, from + this.length - 2 - headOff));
  }

  end(): void {
    if (this.mode === "body") {
      const ok = this.tokens > 0 && this.at === this.length && this.tail[0] === 0x5d && this.tail[1] === 0x7d;
      this.out.records(ok, this.tokens, this.last.toString("latin1", 0, this.lastLength));
      return;
    }
    const payload = Buffer.concat(this.gathered);
    this.gathered = [];
    this.gatheredLength = 0;
    if (this.mode === "head" && payload.length >= RECORDS_FRAME.length) this.out.records(false, 0, "");
    else this.out.other(payload);
  }

  private gather(buf: Buffer, start: number, end: number): void {
    if (end <= start) return;
    this.gathered.push(Buffer.from(buf.subarray(start, end)));
    this.gatheredLength += end - start;
  }

  /** Records' bytes `buf[from..to)`: their tokens found, the bytes handed over, the last few kept. */
  private body(buf: Buffer, from: number, to: number): void {
    if (to <= from) return;
    const p = buf.subarray(from, to);
    let lastBuf: Buffer | null = null;
    let lastStart = 0;
    let lastEnd = 0;
    const carried = this.carryLength;
    if (carried > 0) {
      // Tokens that started before this piece and end in it.
      this.carry.copy(this.seam, 0, 0, carried);
      const seam = this.seam.subarray(0, carried + p.copy(this.seam, carried, 0, Math.min(p.length, MAX_TOKEN_RUN)));
      let k = 0;
      while ((k = seam.indexOf(TOKEN_KEY, k)) >= 0 && k < carried) {
        const s = k + TOKEN_KEY.length;
        const e = seam.indexOf(QUOTE, s);
        if (e < 0) break;
        if (e >= carried) {
          this.tokens++;
          this.out.token(seam, s, e);
          lastBuf = seam;
          lastStart = s;
          lastEnd = e;
        }
        k = e;
      }
    }
    let i = 0;
    while ((i = indexOfTokenKey(p, i)) >= 0) {
      const s = i + TOKEN_KEY.length;
      const e = p.indexOf(QUOTE, s);
      // Cut by the piece's end: taken with the next piece, from the carry.
      if (e < 0) break;
      this.tokens++;
      this.out.token(p, s, e);
      lastBuf = p;
      lastStart = s;
      lastEnd = e;
      i = e;
    }
    if (lastBuf !== null) this.lastLength = lastBuf.copy(this.last, 0, lastStart, Math.min(lastEnd, lastStart + this.last.length));
    this.out.bytes(p);
    const keep = this.carry.length;
    if (p.length >= keep) {
      p.copy(this.carry, 0, p.length - keep);
      this.carryLength = keep;
    } else {
      const drop = Math.max(0, carried + p.length - keep);
      this.carry.copyWithin(0, drop, carried);
      p.copy(this.carry, carried - drop);
      this.carryLength = carried - drop + p.length;
    }
  }
}

/**
 * The records of a records frame, whole or as the pieces it arrived in, through a
 * `RecordsFrameScanner`: `token` and `bytes` as its, valid during the call. False when the frame
 * is not laid out so.
 */
export function scanRecordsFrame(payload: Buffer | readonly Buffer[], token: (buf: Buffer, start: number, end: number) => void, bytes: (b: Buffer) => void): boolean {
  const parts = Buffer.isBuffer(payload) ? [payload] : payload;
  let ok = false;
  const scanner = new RecordsFrameScanner({token, bytes, records: (good) => (ok = good), other: () => {}});
  scanner.start(parts.reduce((n, p) => n + p.length, 0));
  for (const p of parts) scanner.piece(p, 0, p.length);
  scanner.end();
  return ok;
}

/**
 * What a shared frame's scan found once it is whole: its records (whether the frame had the
 * layout, their count, the last one's token), or that each consumer reads it by itself.
 */
export type SharedOutcome = {kind: "records"; ok: boolean; count: number; last: string} | {kind: "own"};

/** A shared frame's scan, fed its bytes once, in order; what it finds goes into the frame's fields. */
interface FrameScan {
  piece(buf: Buffer, start: number, end: number): void;
  end(): void;
}

/** Frames this long or longer are shared (a ledger's firehose frame is megabytes; one account's, a few KB). */
const SHARE_MIN_BYTES = 64 * 1024;
/** A frame's first piece must hold this many bytes to be shared: more than a records frame's head or an event's id line, so frames of one length differ there. */
const JOIN_BYTES = 512;
/** Shared frames' memory is taken in steps of this many bytes, so one frame's can hold a later, longer one. */
const MEMORY_STEP = 1 << 20;
/** Shared frames a consumer can join: the newest, whole or being received (a ledger's firehose frame is read by all its consumers within a ledger). */
const SHARED_KEPT = 4;

/**
 * One frame's payload as far as any consumer has received it, scanned once. The consumer whose
 * piece reaches past the bytes so far copies the rest in and scans it; every consumer compares
 * what it got with the bytes already there, so a consumer sharing the frame has received
 * exactly these bytes, and their scan is its.
 */
export class SharedFrame {
  readonly bytes: Buffer;
  filled = 0;
  /** Consumers reading the frame now; once none is and the frame left `SharedFrames`' list, its memory is reused. */
  readers = 0;
  listed = true;
  released = false;
  /** The hashed bytes' own CRC-32 (from 0) and length: what a consumer's digest gets for them. */
  crc = 0;
  bodyLength = 0;
  records = 0;
  first = "";
  /** Payload bytes received when the first record was found: a consumer that has as many has it. */
  firstAt = -1;
  outcome: SharedOutcome | undefined = undefined;
  private readonly scan: FrameScan;

  constructor(
    readonly length: number,
    /** The frame's memory, `length` bytes or more (reused from frame to frame: new pages cost more than the copy). */
    readonly memory: Buffer,
    scanOf: (f: SharedFrame) => FrameScan,
  ) {
    this.bytes = memory.subarray(0, length);
    this.scan = scanOf(this);
  }

  /** Appends `buf[start..end)` at `filled` and scans it; the frame's end once it is whole. */
  extend(buf: Buffer, start: number, end: number): void {
    const at = this.filled;
    buf.copy(this.bytes, at, start, end);
    // `firstAt` reads the count after this piece.
    this.filled = at + (end - start);
    this.scan.piece(this.bytes, at, this.filled);
    if (this.filled === this.length) this.scan.end();
  }

  /** A record found: the first one's token is read (`token`), with the bytes received by then. */
  counted(token: () => string): void {
    if (this.records++ === 0) {
      this.first = token();
      this.firstAt = this.filled;
    }
  }

  hash(b: Buffer): void {
    this.crc = zlib.crc32(b, this.crc);
    this.bodyLength += b.length;
  }
}

/** A /ws records frame's scan: its records' bytes hashed as a consumer's own `RecordsFrameScanner` would hand them over. */
export function recordsFrameScan(f: SharedFrame): FrameScan {
  const scanner = new RecordsFrameScanner({
    token: (buf, start, end) => f.counted(() => buf.toString("latin1", start, end)),
    bytes: (b) => f.hash(b),
    records: (ok, count, last) => (f.outcome = {kind: "records", ok, count, last}),
    other: () => (f.outcome = {kind: "own"}),
  });
  scanner.start(f.length);
  return scanner;
}

/**
 * An SSE body chunk's scan: shared when it holds record events only, whole (the node writes a
 * run of events as one chunk): then its bytes are exactly what the consumer's digest takes of
 * it (`eventsDigest`). Anything else (another event, an event cut by the chunk's end) leaves it
 * to each consumer.
 */
export function eventsChunkScan(f: SharedFrame): FrameScan {
  let others = false;
  let lastBuf: Buffer | null = null;
  let lastStart = 0;
  let lastEnd = 0;
  let last = "";
  const splitter = new SseEventSplitter(
    (buf, start, end) => {
      if (!isRecordEvent(buf, start, end)) {
        others = true;
        return;
      }
      f.counted(() => eventId(buf, start, end));
      lastBuf = buf;
      lastStart = start;
      lastEnd = end;
    },
    () => {
      if (lastBuf !== null) last = eventId(lastBuf, lastStart, lastEnd);
      lastBuf = null;
    },
  );
  return {
    piece(buf, start, end) {
      const p = buf.subarray(start, end);
      f.hash(p);
      splitter.push(p);
    },
    end() {
      f.outcome = !others && f.records > 0 && splitter.pendingLength === 0 ? {kind: "records", ok: true, count: f.records, last} : {kind: "own"};
    },
  };
}

/**
 * The large frames several consumers of the process receive alike (a ledger's firehose frame,
 * byte for byte the same to every unfiltered subscriber; a run of 200 events to SSE streams
 * that follow the same records from the same point): each is scanned and hashed once, and
 * every other consumer compares its bytes with it (a `memcmp`, ~10x cheaper than the CRC-32
 * and the byte searches). A consumer whose bytes differ reads on by itself from where they
 * did, so what it reports is always what it received.
 */
export class SharedFrames {
  /** The newest frames, being received or whole. */
  private readonly frames: SharedFrame[] = [];
  /** Memory of frames out of the list that no consumer reads, for the next frames. */
  private readonly spare: Buffer[] = [];
  private scanned = 0;

  constructor(private readonly scanOf: (f: SharedFrame) => FrameScan) {}

  /** Bytes the shared frames were given so far: scanned and hashed once for every consumer that received them. */
  get scannedBytes(): number {
    return this.scanned;
  }

  /** Gives `f` the bytes `buf[start..end)` that come after all it has (`SharedFrame.extend`), counted. */
  extend(f: SharedFrame, buf: Buffer, start: number, end: number): void {
    f.extend(buf, start, end);
    this.scanned += end - start;
  }

  /**
   * The frame of this length whose first bytes are `buf[start..end)`'s first `JOIN_BYTES` (its
   * head: type, channel, topic, ledger), or a new one; the piece holds at least that many.
   */
  join(length: number, buf: Buffer, start: number, end: number): SharedFrame {
    for (const f of this.frames) {
      if (f.length !== length) continue;
      const n = Math.min(end - start, f.filled);
      if (n >= JOIN_BYTES && buf.compare(f.bytes, 0, n, start, start + n) === 0) {
        f.readers++;
        return f;
      }
    }
    const i = this.spare.findIndex((m) => m.length >= length);
    const memory = i >= 0 ? this.spare.splice(i, 1)[0]! : Buffer.allocUnsafeSlow(Math.ceil(length / MEMORY_STEP) * MEMORY_STEP);
    const f = new SharedFrame(length, memory, this.scanOf);
    f.readers = 1;
    this.frames.push(f);
    // The oldest leave the list (a consumer reading one still holds it).
    if (this.frames.length > SHARED_KEPT) {
      const old = this.frames.shift()!;
      old.listed = false;
      this.release(old);
    }
    return f;
  }

  /** A consumer is done with `f` (read whole, or parted from it). */
  leave(f: SharedFrame): void {
    f.readers--;
    this.release(f);
  }

  private release(f: SharedFrame): void {
    if (f.listed || f.readers > 0 || f.released) return;
    f.released = true;
    if (this.spare.length < SHARED_KEPT) this.spare.push(f.memory);
  }
}

/** What a consumer gets of a shared frame it received whole: its records' count and last token, and the hash of the bytes its digest takes. */
export interface SharedRecords {
  ok: boolean;
  count: number;
  last: string;
  crc: number;
  bodyLength: number;
}

/**
 * A consumer's frames (or chunks) through `SharedFrames` when they are large, through its own
 * reader otherwise, or from where its bytes part from the shared frame's, or when the shared
 * scan leaves the frame to each consumer (the bytes it received are then read from the shared
 * copy). `shared` gets a shared frame's first token as soon as the consumer has received it,
 * and its records at its end.
 */
export class SharingFrameSink implements DataFrameSink {
  private frame: SharedFrame | undefined = undefined;
  private pending = false;
  private length = 0;
  private at = 0;
  private firstTaken = false;

  constructor(
    private readonly pool: SharedFrames,
    private readonly own: DataFrameSink,
    private readonly shared: {first(token: string): void; end(records: SharedRecords): void},
    /** Whether the next frame may be shared (false while the consumer's own reader holds part of an event). */
    private readonly canShare: () => boolean = () => true,
  ) {}

  start(length: number): void {
    this.length = length;
    this.at = 0;
    this.frame = undefined;
    this.firstTaken = false;
    this.pending = length >= SHARE_MIN_BYTES && this.canShare();
    if (!this.pending) this.own.start(length);
  }

  piece(buf: Buffer, start: number, end: number): void {
    if (end <= start) return;
    if (this.pending) {
      this.pending = false;
      // A first piece too short to tell frames of one length apart: this frame is read alone.
      if (end - start < JOIN_BYTES) this.own.start(this.length);
      else this.frame = this.pool.join(this.length, buf, start, end);
    }
    const f = this.frame;
    if (f === undefined) return this.own.piece(buf, start, end);
    const n = Math.min(end - start, f.filled - this.at);
    if (n > 0 && buf.compare(f.bytes, this.at, this.at + n, start, start + n) !== 0) return this.part(buf, start, end);
    if (start + n < end) this.pool.extend(f, buf, start + n, end);
    this.at += end - start;
    if (!this.firstTaken && f.firstAt >= 0 && this.at >= f.firstAt) {
      this.firstTaken = true;
      this.shared.first(f.first);
    }
  }

  end(): void {
    const f = this.frame;
    if (this.pending) {
      // No piece came: read by the own reader.
      this.pending = false;
      this.own.start(this.length);
    }
    if (f === undefined) return this.own.end();
    this.frame = undefined;
    const outcome = f.outcome;
    if (outcome === undefined || outcome.kind === "own" || this.at !== f.length) {
      // Cut short, or left to each consumer: what came of it, read by the own reader.
      this.own.start(this.length);
      this.own.piece(f.bytes, 0, Math.min(this.at, f.filled));
      this.pool.leave(f);
      return this.own.end();
    }
    const {first, firstAt, crc, bodyLength} = f;
    this.pool.leave(f);
    if (!this.firstTaken && firstAt >= 0) this.shared.first(first);
    this.shared.end({ok: outcome.ok, count: outcome.count, last: outcome.last, crc, bodyLength});
  }

  /** The frame being read will not be finished (its response was cut): what came of it goes to the own reader, without its end. */
  abort(): void {
    const f = this.frame;
    this.pending = false;
    if (f === undefined) return;
    this.frame = undefined;
    this.own.start(this.length);
    this.own.piece(f.bytes, 0, Math.min(this.at, f.filled));
    this.pool.leave(f);
  }

  /** Bytes that differ from the shared frame's: the own reader reads the frame from its start, the bytes before from the shared copy. */
  private part(buf: Buffer, start: number, end: number): void {
    const f = this.frame!;
    this.frame = undefined;
    this.own.start(this.length);
    if (this.at > 0) this.own.piece(f.bytes, 0, this.at);
    this.pool.leave(f);
    this.own.piece(buf, start, end);
    this.at += end - start;
  }
}

/** Host and port of the node's base URL (http://host:port). */
function endpoint(baseUrl: string): {host: string; port: number} {
  const u = new URL(baseUrl);
  return {host: u.hostname, port: Number(u.port || 80)};
}

const CRLF2 = Buffer.from("\r\n\r\n");
const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const EMPTY = Buffer.alloc(0);

/** A client frame (RFC 6455 §5.3: masked), for the few frames a consumer sends: subscribe, pong, close. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const ext = payload.length < 126 ? 0 : 2;
  const out = Buffer.allocUnsafe(2 + ext + 4 + payload.length);
  out[0] = 0x80 | opcode;
  if (ext === 0) out[1] = 0x80 | payload.length;
  else {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(payload.length, 2);
  }
  mask.copy(out, 2 + ext);
  for (let i = 0; i < payload.length; i++) out[6 + ext + i] = payload[i]! ^ mask[i & 3]!;
  return out;
}

/**
 * Server frames (unmasked) from a byte stream. A whole (unfragmented) text or binary frame goes
 * to `data` piece by piece as it arrives, when given (a ledger's firehose frame is megabytes, and
 * the chunks are the shared read buffer: nothing of them is kept); any other message, and every
 * message without `data`, is copied and handed to `onMessage` whole, fragmented messages joined
 * by their continuation frames.
 */
export class WsFrameReader {
  /** A copy of the bytes of a frame header cut by a chunk's end. */
  private rest: Buffer | null = null;
  /** Payload bytes still to come of the frame being read. */
  private need = 0;
  /** Copies of the pieces of a frame not streamed. */
  private parts: Buffer[] = [];
  private streaming = false;
  private opcode = 0;
  private fin = true;
  /** A fragmented message's opcode and fragments. */
  private msgOpcode = 0;
  private msgParts: Buffer[] = [];

  constructor(
    private readonly onMessage: (opcode: number, payload: Buffer) => void,
    private readonly data?: DataFrameSink,
  ) {}

  push(chunk: Buffer): void {
    let data = chunk;
    if (this.rest !== null) {
      data = Buffer.concat([this.rest, chunk]);
      this.rest = null;
    }
    let i = 0;
    for (;;) {
      if (this.need > 0) {
        const take = Math.min(this.need, data.length - i);
        if (take === 0) return;
        if (this.streaming) this.data!.piece(data, i, i + take);
        else this.parts.push(Buffer.from(data.subarray(i, i + take)));
        this.need -= take;
        i += take;
        if (this.need > 0) return;
        this.frameEnd();
        continue;
      }
      const left = data.length - i;
      if (left < 2) break;
      const b0 = data[i]!;
      const b1 = data[i + 1]!;
      if ((b1 & 0x80) !== 0) throw new Error("a server frame is masked");
      let len = b1 & 0x7f;
      let head = 2;
      if (len === 126) {
        if (left < 4) break;
        len = data.readUInt16BE(i + 2);
        head = 4;
      } else if (len === 127) {
        if (left < 10) break;
        len = Number(data.readBigUInt64BE(i + 2));
        head = 10;
      }
      this.opcode = b0 & 0x0f;
      this.fin = (b0 & 0x80) !== 0;
      i += head;
      this.streaming = this.data !== undefined && this.fin && (this.opcode === 1 || this.opcode === 2) && this.msgParts.length === 0;
      if (this.streaming) this.data!.start(len);
      if (len === 0) this.frameEnd();
      else this.need = len;
    }
    if (i < data.length) this.rest = Buffer.from(data.subarray(i));
  }

  private frameEnd(): void {
    if (this.streaming) {
      this.streaming = false;
      return this.data!.end();
    }
    const payload = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    this.parts = [];
    if (this.opcode >= 8) return this.onMessage(this.opcode, payload);
    if (this.opcode !== 0) this.msgOpcode = this.opcode;
    if (!this.fin) {
      this.msgParts.push(payload);
      return;
    }
    if (this.msgParts.length > 0) {
      this.msgParts.push(payload);
      const joined = Buffer.concat(this.msgParts);
      this.msgParts = [];
      return this.onMessage(this.msgOpcode, joined);
    }
    this.onMessage(this.msgOpcode, payload);
  }
}

/**
 * One read buffer for every socket of the process (`onread`): reads run one at a time on its one
 * thread, and each is consumed before the next, so no read allocates. 256 KB: a loopback read
 * of a firehose frame fills up to the socket's receive queue, rarely more than 128 KB.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/** A TCP connection whose reads go to `onChunk`, in the shared read buffer: valid only during the call. */
function connectShared(host: string, port: number, onChunk: (chunk: Buffer) => void): net.Socket {
  return net.connect({
    host,
    port,
    onread: {
      buffer: READ_BUFFER,
      callback: (n: number) => {
        onChunk(READ_BUFFER.subarray(0, n));
        return true;
      },
    },
  });
}

/** A /ws subscriber on a bare TCP socket: handshake, subscribe, then records frames as they come. */
function openWs(baseUrl: string, follows: string, fanout: Fanout, report: {wsClosedByNode: number; malformed: number}, shared: SharedFrames): Promise<Consumer> {
  const {host, port} = endpoint(baseUrl);
  return new Promise((resolve, reject) => {
    let closing = false;
    let open = false;
    const c = newConsumer(follows, () => {
      closing = true;
      socket.destroy();
    });
    const key = randomBytes(16).toString("base64");
    const accept = createHash("sha1").update(key + WS_GUID).digest("base64");
    let head: Buffer | null = EMPTY;
    /** A records frame's first token is taken on arrival, its last at its end; its bytes go to the digest as they come. */
    let first = true;
    const records = new RecordsFrameScanner({
      token(buf, start, end) {
        c.records++;
        if (first) {
          first = false;
          take(c, buf.toString("latin1", start, end), fanout);
        }
      },
      bytes: (b) => c.hash.update(b),
      records: framed,
      other,
    });
    /** A records frame's end: its last token taken, the frame's newline hashed after its records. */
    function framed(ok: boolean, count: number, last: string): void {
      first = true;
      if (count > 1) take(c, last, fanout);
      if (ok) c.hash.update(NEWLINE);
      else report.malformed++;
    }
    /** Control messages (subscribed, errors) are few: parsed. */
    function other(payload: Buffer): void {
      const f = JSON.parse(payload.toString("utf8")) as {type: string};
      if (f.type === "subscribed") resolve(c);
    }
    // A large frame read alike by other consumers of the process (the firehose's) is scanned once.
    const sink = new SharingFrameSink(shared, records, {
      first(token) {
        first = false;
        take(c, token, fanout);
      },
      end({ok, count, last, crc, bodyLength}) {
        c.records += count;
        c.hash.append(crc, bodyLength);
        framed(ok, count, last);
      },
    });
    const frames = new WsFrameReader((opcode, payload) => {
      if (opcode === 1 || opcode === 2) {
        // A fragmented data message, joined: scanned whole.
        records.start(payload.length);
        records.piece(payload, 0, payload.length);
        return records.end();
      }
      if (opcode === 9) socket.write(clientFrame(10, payload));
      else if (opcode === 8 && !closing) {
        closing = true;
        report.wsClosedByNode++;
        socket.end(clientFrame(8, payload.subarray(0, 2)));
      }
    }, sink);
    const socket = connectShared(host, port, (chunk) => {
      if (head !== null) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf(CRLF2);
        if (end < 0) return;
        const text = head.toString("latin1", 0, end);
        const rest = head.subarray(end + CRLF2.length);
        head = null;
        if (!/^HTTP\/1\.1 101 /.test(text) || !new RegExp(`^sec-websocket-accept: *${accept.replace(/[+/=]/g, "\\$&")}\\s*$`, "im").test(text)) {
          socket.destroy();
          reject(new Error(`the /ws handshake failed: ${text.split("\r\n")[0]}`));
          return;
        }
        open = true;
        socket.write(clientFrame(1, Buffer.from(JSON.stringify({op: "subscribe", id: "p", topic: "payments", ...(follows === "" ? {} : {account: follows})}))));
        if (rest.length === 0) return;
        chunk = rest;
      }
      frames.push(chunk);
    });
    socket.setNoDelay(true);
    socket.on("connect", () => {
      socket.write(
        `GET /ws HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on("error", (err) => {
      if (!open) reject(err);
    });
    socket.on("close", () => {
      if (!closing && open) report.wsClosedByNode++;
      closing = true;
    });
  });
}

const EVENT_END = Buffer.from("\n\n");
/** Longest id a record event carries: a paging token (a TOID of at most 19 digits, "-", an index of at most 10). */
const MAX_ID_LINE = 30;
const ID_LINE = Buffer.from("id: ");

/** Whether the event `buf[start..end)` is a record's: the node writes an `id:` line on records only. */
function isRecordEvent(buf: Buffer, start: number, end: number): boolean {
  return end - start >= ID_LINE.length && buf[start] === 0x69 && buf[start + 1] === 0x64 && buf[start + 2] === 0x3a && buf[start + 3] === 0x20;
}

/**
 * An HTTP/1.1 response body on a keep-alive socket: the head, then the body as chunked,
 * Content-Length or until close; `onBody` gets the body's bytes as they come, `onEnd` the end of
 * the response (the socket may carry the next request).
 */
export class HttpResponseReader {
  private head: Buffer | null = EMPTY;
  status = 0;
  keepAlive = true;
  private mode: "chunked" | "length" | "close" = "close";
  /** Body bytes left: of the current chunk (chunked) or of the body (length). */
  private left = 0;
  /** Chunked: "size" reading a size line, "data" in a chunk, "crlf" after one, "trailer" after the last. */
  private state: "size" | "data" | "crlf" | "trailer" = "size";
  private line: Buffer | null = null;
  done = false;

  constructor(
    private readonly onHead: (status: number) => void,
    private readonly onBody: (bytes: Buffer) => void,
    private readonly onEnd: () => void,
    /** A chunked body's chunks, when given: each one's size, its data as it comes, its end (instead of `onBody`). */
    private readonly chunks?: DataFrameSink,
  ) {}

  push(chunk: Buffer): void {
    let data = chunk;
    if (this.head !== null) {
      // The head usually arrives whole with the body's first bytes: read in place, no copy.
      const all = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
      const end = all.indexOf(CRLF2);
      if (end < 0) {
        this.head = all === chunk ? Buffer.from(chunk) : all;
        return;
      }
      const text = all.toString("latin1", 0, end);
      data = all.subarray(end + CRLF2.length);
      this.head = null;
      this.status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      this.keepAlive = !/^connection: *close\s*$/im.test(text);
      const length = /^content-length: *(\d+)\s*$/im.exec(text);
      if (/^transfer-encoding: *chunked\s*$/im.test(text)) this.mode = "chunked";
      else if (length !== null) {
        this.mode = "length";
        this.left = Number(length[1]);
      } else this.mode = "close";
      this.onHead(this.status);
      if (this.mode === "length" && this.left === 0) return this.finish();
    }
    if (this.done) return;
    if (this.mode === "close") return this.onBody(data);
    if (this.mode === "length") {
      const take = Math.min(this.left, data.length);
      this.onBody(take === data.length ? data : data.subarray(0, take));
      this.left -= take;
      if (this.left === 0) this.finish();
      return;
    }
    let i = 0;
    while (i < data.length && !this.done) {
      if (this.state === "data") {
        const take = Math.min(this.left, data.length - i);
        if (this.chunks !== undefined) this.chunks.piece(data, i, i + take);
        else this.onBody(take === data.length ? data : data.subarray(i, i + take));
        this.left -= take;
        i += take;
        if (this.left === 0) {
          this.state = "crlf";
          this.chunks?.end();
        }
        continue;
      }
      // A line: a chunk's size, the CRLF after its data, or a trailer line.
      const nl = data.indexOf(0x0a, i);
      if (nl < 0) {
        // Copied: the chunk is the shared read buffer.
        this.line = this.line === null ? Buffer.from(data.subarray(i)) : Buffer.concat([this.line, data.subarray(i)]);
        return;
      }
      let text = data.toString("latin1", i, nl);
      if (this.line !== null) {
        text = this.line.toString("latin1") + text;
        this.line = null;
      }
      i = nl + 1;
      text = text.replace(/\r$/, "");
      if (this.state === "crlf") {
        this.state = "size";
        continue;
      }
      if (this.state === "trailer") {
        if (text === "") this.finish();
        continue;
      }
      const size = parseInt(text, 16);
      if (!Number.isFinite(size)) throw new Error(`bad chunk size line "${text}"`);
      if (size === 0) this.state = "trailer";
      else {
        this.left = size;
        this.state = "data";
        this.chunks?.start(size);
      }
    }
  }

  /** A close of the socket ends a body read until close. */
  closed(): void {
    if (!this.done && this.head === null && this.mode === "close") this.finish();
  }

  private finish(): void {
    this.done = true;
    this.onEnd();
  }
}

/**
 * Cuts an SSE body into events at their blank lines, whatever the chunks: events wholly inside a
 * chunk are handed over in place (no copy); an event cut by a chunk's end is gathered in a buffer
 * kept and reused.
 */
export class SseEventSplitter {
  private pending = Buffer.allocUnsafe(64 * 1024);
  private pendingLen = 0;

  constructor(
    private readonly onEvent: (buf: Buffer, start: number, end: number) => void,
    /** Called after each pushed chunk's events. */
    private readonly onChunkEnd: () => void = () => {},
  ) {}

  /** Forgets a partial event (a new response starts). */
  reset(): void {
    this.pendingLen = 0;
  }

  /** Bytes of an event cut by the last push's end, kept for the next. */
  get pendingLength(): number {
    return this.pendingLen;
  }

  push(bytes: Buffer): void {
    let from = 0;
    if (this.pendingLen > 0) {
      const before = this.pendingLen;
      const end = bytes.indexOf(EVENT_END);
      const joined = end < 0 ? bytes.length : end + EVENT_END.length;
      if (before + joined > this.pending.length) {
        const bigger = Buffer.allocUnsafe(Math.max(this.pending.length * 2, before + joined));
        this.pending.copy(bigger, 0, 0, before);
        this.pending = bigger;
      }
      bytes.copy(this.pending, before, 0, joined);
      this.pendingLen += joined;
      // An event's end can straddle the chunks ("\n" | "\n"): searched from the last byte kept before.
      const at = this.pending.subarray(0, this.pendingLen).indexOf(EVENT_END, before - 1);
      if (at < 0) return;
      this.pendingLen = 0;
      this.onEvent(this.pending, 0, at);
      from = at + EVENT_END.length - before;
    }
    let end: number;
    while ((end = bytes.indexOf(EVENT_END, from)) >= 0) {
      this.onEvent(bytes, from, end);
      from = end + EVENT_END.length;
    }
    // Before the rest is kept: the events handed over stay readable until then.
    this.onChunkEnd();
    const left = bytes.length - from;
    if (left > 0) {
      if (left > this.pending.length) this.pending = Buffer.allocUnsafe(left * 2);
      bytes.copy(this.pending, 0, from);
      this.pendingLen = left;
    }
  }
}

/**
 * Feeds a hash byte ranges through runs: a range that starts where the one before ended, in the
 * same buffer, extends it, so events back to back in a read are hashed by one update; the run is
 * hashed when a range does not follow it and at `flush` (before its buffer is reused).
 */
export class ByteRuns {
  private buf: Buffer | null = null;
  private start = 0;
  private end = 0;

  constructor(private readonly hash: {update(b: Buffer): unknown}) {}

  /** Adds `buf[start..end)`. */
  add(buf: Buffer, start: number, end: number): void {
    if (buf === this.buf && start === this.end) {
      this.end = end;
      return;
    }
    this.flush();
    this.buf = buf;
    this.start = start;
    this.end = end;
  }

  flush(): void {
    if (this.buf === null) return;
    this.hash.update(this.buf.subarray(this.start, this.end));
    this.buf = null;
  }
}

const NEWLINE = Buffer.from("\n");

/**
 * An SSE stream's record events from its responses' bodies, body bytes as they come (`push`) or
 * a chunked body's chunks (`chunks`). Each event (`buf[start..end)`, without its blank line)
 * that is a record's (the node writes an `id:` line on records only) is counted and its event,
 * blank line included, hashed; the rest is skipped. Records back to back in a read are hashed
 * as one run. The first record of a read is taken at once, the last at the read's end. A large
 * chunk of record events that other streams of the process got alike (the firehose's runs of
 * 200 events) is split and hashed once, through `SharedFrames`.
 */
export class SseRecordsReader {
  /** A chunked body's chunks. */
  readonly chunks: SharingFrameSink;
  private readonly events: SseEventSplitter;
  private readonly runs: ByteRuns;
  private readFirst = true;
  /** The newest record's event of the read, its id read as a string at the read's end (before the next read overwrites it). */
  private newest: Buffer | null = null;
  private newestStart = 0;
  private newestEnd = 0;

  constructor(
    hash: RecordsDigest,
    private readonly count: (n: number) => void,
    private readonly take: (token: string) => void,
    shared: SharedFrames,
  ) {
    this.runs = new ByteRuns(hash);
    this.events = new SseEventSplitter(
      (buf, start, end) => this.event(buf, start, end),
      () => {
        this.runs.flush();
        if (this.newest !== null) this.take(eventId(this.newest, this.newestStart, this.newestEnd));
        this.newest = null;
        this.readFirst = true;
      },
    );
    this.chunks = new SharingFrameSink(
      shared,
      {start() {}, piece: (buf, start, end) => this.events.push(buf.subarray(start, end)), end() {}},
      {
        first: (token) => {
          // Its first record is taken now; if the chunk is read by `events` after all, as the newest of its read.
          this.readFirst = false;
          this.take(token);
        },
        end: ({count, last, crc, bodyLength}) => {
          this.count(count);
          hash.append(crc, bodyLength);
          if (count > 1) this.take(last);
          this.readFirst = true;
        },
      },
      () => this.events.pendingLength === 0,
    );
  }

  /** Body bytes of a response not chunked. */
  push(bytes: Buffer): void {
    this.events.push(bytes);
  }

  /** A new response: the whole events of a chunk the last one was cut in count, the cut event is forgotten. */
  reset(): void {
    this.chunks.abort();
    this.events.reset();
  }

  private event(buf: Buffer, start: number, end: number): void {
    if (!isRecordEvent(buf, start, end)) return;
    this.runs.add(buf, start, end + EVENT_END.length);
    this.count(1);
    if (this.readFirst) {
      this.readFirst = false;
      this.take(eventId(buf, start, end));
    } else {
      this.newest = buf;
      this.newestStart = start;
      this.newestEnd = end;
    }
  }
}

/**
 * An EventSource-like /payments stream on a bare TCP socket: from `now`, then from its last id
 * after every goodbye, asked again on the same keep-alive connection (a new one when the node
 * closed it). Events are cut at their blank line in a buffer kept per stream and reused.
 */
function openSse(baseUrl: string, follows: string, limit: number, fanout: Fanout, report: {sseReconnects: number; errors: number}, shared: SharedFrames): Promise<Consumer> {
  const {host, port} = endpoint(baseUrl);
  let stopped = false;
  let socket: net.Socket | null = null;
  const path = follows === "" ? "/payments" : `/accounts/${follows}/payments`;
  const c = newConsumer(follows, () => {
    stopped = true;
    socket?.destroy();
  });
  const body = new SseRecordsReader(c.hash, (n) => (c.records += n), (token) => take(c, token, fanout), shared);
  return new Promise((resolve, reject) => {
    let first = true;
    let reader: HttpResponseReader | null = null;
    const fail = (err: Error): void => {
      if (stopped) return;
      report.errors++;
      socket?.destroy();
      socket = null;
      if (first) reject(err);
      else setTimeout(ask, 1000).unref();
    };
    /** Asks for the stream from the last id, on the open connection or a new one. */
    const ask = (): void => {
      if (stopped) return;
      body.reset();
      const s = socket ?? connect();
      reader = new HttpResponseReader(
        (status) => {
          if (status === 200) {
            if (first) {
              first = false;
              resolve(c);
            }
          }
        },
        (bytes) => {
          if (reader!.status === 200) body.push(bytes);
        },
        () => {
          if (stopped) return;
          if (reader!.status !== 200) return fail(new Error(`GET ${path} as a stream answered ${reader!.status}`));
          if (!reader!.keepAlive) {
            socket?.destroy();
            socket = null;
          }
          report.sseReconnects++;
          setTimeout(ask, 10).unref();
        },
        {
          start: (size) => reader!.status === 200 && body.chunks.start(size),
          piece: (buf, start, end) => reader!.status === 200 && body.chunks.piece(buf, start, end),
          end: () => reader!.status === 200 && body.chunks.end(),
        },
      );
      const last = c.last !== "" ? `Last-Event-ID: ${c.last}\r\n` : "";
      s.write(`GET ${path}?cursor=now&limit=${limit} HTTP/1.1\r\nHost: ${host}:${port}\r\nAccept: text/event-stream\r\n${last}\r\n`);
    };
    const connect = (): net.Socket => {
      const s: net.Socket = connectShared(host, port, (chunk) => {
        if (socket !== s || reader === null) return;
        try {
          reader.push(chunk);
        } catch (err) {
          fail(err as Error);
        }
      });
      s.setNoDelay(true);
      socket = s;
      s.on("error", (err) => {
        if (socket === s) fail(err);
      });
      s.on("close", () => {
        if (socket !== s || stopped) return;
        socket = null;
        if (reader !== null && !reader.done) {
          reader.closed();
          if (!reader.done) {
            // Dropped mid-stream: reconnect from the last id, as an EventSource does.
            report.sseReconnects++;
            setTimeout(ask, 10).unref();
          }
        }
      });
      return s;
    };
    ask();
  });
}

async function inBatches<T>(n: number, batch: number, open: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += batch) out.push(...(await Promise.all(Array.from({length: Math.min(batch, n - i)}, (_, k) => open(i + k)))));
  return out;
}

/** Opens every consumer; `stop()` closes them and reports. */
export async function startConsumers(opts: ConsumersOptions): Promise<{received(): number; mark(): void; stop(): ConsumersReport}> {
  // Threads started later (libuv's pool, V8's helpers) inherit the nice value of the thread that starts them.
  const niceOutcome = opts.nice !== undefined && opts.nice !== 0 ? niceOtherThreads(new Set(), opts.nice) : undefined;
  const niced =
    niceOutcome === undefined || opts.nice === undefined
      ? undefined
      : {nice: opts.nice, threads: niceOutcome.changed.length, failed: niceOutcome.failed, ...(niceOutcome.refused !== undefined ? {refused: niceOutcome.refused} : {})};
  const fanout = new Fanout();
  const counters = {sseReconnects: 0, errors: 0, wsClosedByNode: 0, malformed: 0};
  const n = opts.accounts.length;
  const wsShared = new SharedFrames(recordsFrameScan);
  const ws = await inBatches(opts.ws, opts.connectConcurrency, (i) => openWs(opts.baseUrl, i < opts.firehoseWs || n === 0 ? "" : opts.accounts[i % n]!, fanout, counters, wsShared));
  // SSE streams follow other accounts than the WS subscribers where there are enough.
  const sseShared = new SharedFrames(eventsChunkScan);
  const sse = await inBatches(opts.sse, opts.connectConcurrency, (i) =>
    openSse(opts.baseUrl, i < opts.firehoseSse || n === 0 ? "" : opts.accounts[(opts.ws + i) % n]!, opts.sseLimit ?? 200, fanout, counters, sseShared),
  );
  let cpuFrom = process.cpuUsage();
  return {
    /** Records received so far over every consumer. */
    received: () => [...ws, ...sse].reduce((n, c) => n + c.records, 0),
    /** Starts the CPU time and the fan-out spread again from now (the records and digests go on). */
    mark(): void {
      cpuFrom = process.cpuUsage();
      fanout.clear();
    },
    stop(): ConsumersReport {
      const cpu = process.cpuUsage(cpuFrom);
      for (const c of [...ws, ...sse]) c.close();
      return {
        ws: ws.map((c) => ({follows: c.follows, records: c.records, digest: c.hash.digest()})),
        sse: sse.map((c) => ({follows: c.follows, records: c.records, digest: c.hash.digest()})),
        outOfOrder: [...ws, ...sse].reduce((s, c) => s + c.outOfOrder, 0),
        ...counters,
        errors: counters.errors + counters.malformed,
        spreadUs: fanout.summary(),
        consumerRssBytes: process.memoryUsage().rss,
        consumerCpuUs: cpu.user + cpu.system,
        consumerUserUs: cpu.user,
        ...(niced !== undefined ? {niced} : {}),
      };
    },
  };
}

/** The forked process: start on the first message, "mark" → "marked", report and exit on "stop". */
if (process.send !== undefined && process.argv.includes("--consumers")) {
  let running: {mark(): void; stop(): ConsumersReport} | null = null;
  process.on("message", (m: {start?: ConsumersOptions} | "mark" | "stop") => {
    if (m === "mark") {
      running?.mark();
      process.send!("marked");
      return;
    }
    if (m === "stop") {
      const report = running?.stop();
      process.send!({report}, () => process.exit(0));
      return;
    }
    if (m.start !== undefined) {
      startConsumers(m.start).then(
        (r) => {
          running = r;
          process.send!("ready");
        },
        (err: unknown) => {
          process.send!({error: String(err)}, () => process.exit(1));
        },
      );
    }
  });
}
