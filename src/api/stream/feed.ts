/**
 * The ledger event feed. The node publishes each closed ledger once its commit is durable; the
 * feed hands subscribers one `LedgerEvent` whose records are formatted by the routes' own
 * formatters, so a streamed record is byte-identical to the same record in a GET answer. The
 * ledger's tx records are built from the close result the event carries (`storedTxsOfClose`:
 * the StoredTx values the store read returns, without reading the ledger back and decoding its
 * envelopes again); trades and offers are read through the API's reader.
 *
 * Work is per ledger, never per subscriber: each topic is read and formatted on first use and
 * kept with the event (so a ledger nobody streams costs nothing), and per-account lookups go
 * through an index built once per topic. What the listeners asked of one ledger (its operation
 * records, the per-account indexes) is built for the next over several event-loop turns before
 * they get it (`prepareSliceRecords`).
 */
import {assetKey, type AccountId, type AssetKey, type LedgerEntry} from "../../ledger/types.js";
import type {LedgerReader, StoredOp, StoredTx} from "../../store/types.js";
import {assetOrder, type TradeKey, type TradeRow} from "../../store/trades-repo.js";
import {toidString} from "../../store/toid.js";
import {plainMetaOf, storedTxsOfClose} from "../../store/records.js";
import {balancesByOperation} from "../../store/balance-history.js";
import {isPaymentOp, storedOp} from "../../store/ledger-store.js";
import {effectRecord, operationEffects, txOutcomeXdr, type EffectRecord} from "../format/effect.js";
import {ledgerRecord, type LedgerRecord} from "../format/ledger.js";
import {offerRecord, type OfferRecord} from "../format/offer.js";
import {operationJson, type FormatOp, type OperationRecord} from "../format/operation.js";
import type {AppliedTx, Operation} from "../../tx/types.js";
import type {TxFrame} from "../../tx/interface.js";
import {tradeRecord, type TradeRecord} from "../format/trade.js";
import {transactionRecord, type TransactionRecord} from "../format/transaction.js";
import {orientTrade} from "../queries/trades.js";
import type {
  ChangedState,
  ClosedLedgerInput,
  EffectFeedRecord,
  EventFeed,
  FeedRecord,
  LedgerEvent,
  LedgerEventListener,
  LedgerTopics,
  OfferFeedRecord,
  OperationFeedRecord,
  TradeFeedRecord,
  AccountSet,
  TransactionFeedRecord,
} from "./interface.js";
import type {Logger} from "pino";
import {EVENT_DATA_PREFIX, EVENT_END, EVENT_ID_PREFIX, eventBytesAtMost, eventFrame, withRoom, writeEvent} from "./connection.js";
import {CloseFormatter, closeFormatTask, type CloseFormatPack} from "./close-format.js";

/** Records read from the store per call while collecting a ledger (a ledger holds up to maxTxSetSize). */
const READ_CHUNK = 1000;
const NO_ACCOUNTS: ReadonlySet<AccountId> = new Set();

/** The topics `forAccount` serves. */
type AccountTopic = "transactions" | "operations" | "payments" | "effects" | "trades";

/** Work on a ledger's topics that can be done ahead of its listeners: the operation list, or a topic's per-account index. */
type PreparedWork = "operations" | `index:${AccountTopic}`;

/** Each topic's index work, so `forAccount` (once per subscription per ledger) builds no string. */
const INDEX_WORK: Readonly<Record<AccountTopic, PreparedWork>> = {
  transactions: "index:transactions",
  operations: "index:operations",
  payments: "index:payments",
  effects: "index:effects",
  trades: "index:trades",
};

/** The unordered pair key of two assets: "A|B" with A before B in `assetOrder` (the trades index's order). */
export function pairKey(a: AssetKey, b: AssetKey): string {
  return assetOrder(a, b) < 0 ? `${a}|${b}` : `${b}|${a}`;
}

/**
 * An operation's accounts: its source first, then the ones apply reported, each once. Two or
 * three ids, held in fields and tested by comparison: a `Set` per operation cost several times
 * more to build for a ledger of payments, an array per operation one allocation more, and these
 * live as long as the feed keeps the ledger.
 */
class AccountList implements AccountSet {
  constructor(
    readonly first: AccountId,
    readonly second: AccountId | undefined,
    /** The third and later ids (an operation touching more than two accounts). */
    readonly rest: readonly AccountId[] | undefined,
  ) {}

  has(account: AccountId): boolean {
    return account === this.first || account === this.second || (this.rest !== undefined && this.rest.includes(account));
  }

  forEach(fn: (account: AccountId) => void): void {
    fn(this.first);
    if (this.second !== undefined) fn(this.second);
    if (this.rest !== undefined) for (const a of this.rest) fn(a);
  }

  *[Symbol.iterator](): Iterator<AccountId> {
    yield this.first;
    if (this.second !== undefined) yield this.second;
    if (this.rest !== undefined) yield* this.rest;
  }
}

/** The accounts of one operation, without repeats, source first (the order store/records.ts indexes them in). */
function opAccounts(source: AccountId, touched: readonly AccountId[] | undefined): AccountList {
  let second: AccountId | undefined;
  let rest: AccountId[] | undefined;
  if (touched !== undefined) {
    for (const id of touched) {
      if (id === source || id === second || (rest !== undefined && rest.includes(id))) continue;
      if (second === undefined) second = id;
      else (rest ??= []).push(id);
    }
  }
  return new AccountList(source, second, rest);
}

/**
 * Which accounts the per-account index lists each operation of a ledger under (as
 * store/records.ts writes it), found by the tx's apply index and the operation's 1-based index:
 * one list in apply order and each tx's first position, with no map entry or key per operation.
 */
class OpParticipants {
  private readonly lists: AccountList[] = [];
  /** Position in `lists` of the first operation of the tx with apply index i; -1 for an index no tx has. */
  private readonly starts: Int32Array;
  private readonly counts: Uint16Array;

  constructor(input: ClosedLedgerInput) {
    const {frames, applied} = input.result;
    let top = 0;
    for (const a of applied) if (a.index > top) top = a.index;
    this.starts = new Int32Array(top + 1).fill(-1);
    this.counts = new Uint16Array(top + 1);
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i]!;
      const a = applied[i]!;
      this.starts[a.index] = this.lists.length;
      this.counts[a.index] = frame.operations.length;
      for (let j = 0; j < frame.operations.length; j++) this.lists.push(opAccounts(frame.operations[j]!.source ?? frame.sourceAccount, a.opParticipants[j]));
    }
  }

  /** The accounts of operation `opIndex` (1-based) of the tx applied at `txIndex`. */
  get(txIndex: number, opIndex: number): AccountList | undefined {
    if (!(txIndex >= 0 && txIndex < this.starts.length)) return undefined;
    const start = this.starts[txIndex]!;
    if (start < 0 || opIndex < 1 || opIndex > this.counts[txIndex]!) return undefined;
    return this.lists[start + opIndex - 1];
  }
}

/** Which accounts the per-account index lists each transaction under (its source, fee source and its operations' accounts), by apply index. */
function txParticipantsOf(input: ClosedLedgerInput, ops: OpParticipants): Map<number, Set<AccountId>> {
  const {frames, applied} = input.result;
  const txs = new Map<number, Set<AccountId>>();
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i]!;
    const index = applied[i]!.index;
    const inTx = new Set<AccountId>([frame.sourceAccount, frame.feeSource]);
    for (let j = 1; j <= frame.operations.length; j++) for (const id of ops.get(index, j) ?? NO_ACCOUNTS) inTx.add(id);
    txs.set(index, inTx);
  }
  return txs;
}

function changedStateOf(input: ClosedLedgerInput): {changed: ChangedState; created: Set<string>} {
  const accounts = new Set<AccountId>();
  const books = new Set<string>();
  const offers = new Set<string>();
  const created = new Set<string>();
  const touch = (e: LedgerEntry): void => {
    switch (e.type) {
      case "account":
      case "data":
      case "trustline":
        accounts.add(e.accountId);
        return;
      case "offer":
        accounts.add(e.sellerId);
        offers.add(e.offerId.toString());
        books.add(pairKey(assetKey(e.selling), assetKey(e.buying)));
        return;
      case "claimable_balance":
        return;
    }
  };
  for (const [key, entry] of input.result.changes) {
    if (entry !== null) touch(entry);
    else if (key.startsWith("a:") || key.startsWith("d:") || key.startsWith("t:")) accounts.add(key.slice(2).split(":")[0]!);
    else if (key.startsWith("o:")) offers.add(key.slice(2));
  }
  // Removed offers are only named by key in the changes; their seller and book come from the meta's before side.
  for (const applied of input.result.applied) {
    const meta = applied.meta;
    if (meta === undefined) continue;
    for (const deltas of [meta.fee, meta.before, ...meta.operations]) {
      for (const d of deltas) {
        if (d.before !== null) touch(d.before);
        else if (d.after !== null && d.after.type === "offer") created.add(d.after.offerId.toString());
      }
    }
  }
  return {changed: {accounts, books, offers}, created};
}

/**
 * An operation of a closed ledger as `storedOp` makes it from the tx's StoredTx (the same
 * values: id, source, tx hash, time, outcome), read from the close result's frame. The envelope
 * and the result are the frame's and the apply's bytes; their base64 texts, which a StoredTx
 * holds for every tx, are made only if a formatter asks (a muxed account scan reads the bytes).
 */
class CloseOp implements FormatOp {
  readonly id: string;
  readonly txIndex: number;
  readonly txHash: string;
  readonly sourceAccount: AccountId;
  readonly op: Operation;
  readonly transactionSuccessful: boolean;

  constructor(
    readonly ledger: number,
    readonly closedAt: number,
    private readonly frame: TxFrame,
    private readonly applied: AppliedTx,
    readonly opIndex: number,
  ) {
    this.id = toidString(ledger, applied.index, opIndex);
    this.txIndex = applied.index;
    this.txHash = frame.hashHex;
    this.op = frame.operations[opIndex - 1]!;
    this.sourceAccount = this.op.source ?? frame.sourceAccount;
    this.transactionSuccessful = applied.successful;
  }

  get envelopeBytes(): Buffer {
    return this.frame.envelopeXdr;
  }

  get envelopeXdr(): string {
    return this.frame.envelopeXdr.toString("base64");
  }

  get resultXdr(): string {
    return this.applied.resultXdr.toString("base64");
  }
}

/** The ledger's stored records, read once through the reader and shared by every origin's topics. */
class LedgerData {
  private txList?: StoredTx[];
  private opList?: StoredOp[];
  private tradeRows?: TradeRow[];
  private opParts?: OpParticipants;
  private txParts?: Map<number, Set<AccountId>>;
  private state?: {changed: ChangedState; created: Set<string>};
  /** The packs the record worker made of this ledger's operations, once taken. */
  private prePacks?: CloseFormatPack[];

  constructor(
    private readonly reader: LedgerReader,
    readonly input: ClosedLedgerInput,
    private readonly txsFrom: "close" | "store",
    /** Takes the record worker's packs of this ledger, if it made any (see close-format.ts). */
    private readonly takePacks?: () => CloseFormatPack[] | undefined,
    /** The feed's counts of operation records by who formatted them. */
    readonly counts: OperationRecordCounts = {worker: 0, main: 0},
  ) {}

  /** The record worker's pack of the ledger's operations for `base`, when it made one of the right length. */
  preformatted(base: string): EventPack | undefined {
    if (this.prePacks === undefined && this.takePacks !== undefined) this.prePacks = this.takePacks() ?? [];
    const p = this.prePacks?.find((x) => x.base === base);
    if (p === undefined || p.offsets.length !== this.ops.length + 1) return undefined;
    return new EventPack(Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength), p.offsets);
  }

  get changed(): ChangedState {
    return (this.state ??= changedStateOf(this.input)).changed;
  }

  get createdOffers(): ReadonlySet<string> {
    return (this.state ??= changedStateOf(this.input)).created;
  }

  get seq(): number {
    return this.input.header.seq;
  }

  /** The accounts of each operation, by its tx's apply index and its own index. */
  get opParticipants(): OpParticipants {
    return (this.opParts ??= new OpParticipants(this.input));
  }

  /** The accounts of each transaction, by apply index. */
  get txParticipants(): Map<number, Set<AccountId>> {
    return (this.txParts ??= txParticipantsOf(this.input, this.opParticipants));
  }

  /**
   * The ledger's txs in apply order: built from the close result (what the store read would
   * return, without reading and decoding every envelope again), or read back from the store.
   */
  get txs(): StoredTx[] {
    if (this.txList === undefined) {
      this.txList =
        this.txsFrom === "close"
          ? storedTxsOfClose(this.input.result)
          : this.readAll((cursor) => this.reader.txs({cursor, limit: READ_CHUNK, order: "asc"}, {ledger: this.seq}), (t) => t.id);
    }
    return this.txList;
  }

  /**
   * The ledger's operations in paging order (failed ones included), as the reader's per-ledger
   * operations read makes them: no second read of the ledger. From the close result they are
   * made straight from its frames (`CloseOp`), without the ledger's StoredTx records: a stream of
   * payments alone needs none of a tx's base64 strings; from the store, from its transactions.
   */
  get ops(): StoredOp[] {
    if (this.opList === undefined) {
      const out: StoredOp[] = [];
      if (this.txsFrom === "close" && this.txList === undefined) {
        const {header, frames, applied} = this.input.result;
        for (let i = 0; i < frames.length; i++) {
          const frame = frames[i]!;
          for (let k = 1; k <= frame.operations.length; k++) out.push(new CloseOp(header.seq, header.closeTime, frame, applied[i]!, k));
        }
      } else {
        for (const tx of this.txs) {
          for (let k = 1; k <= tx.operations.length; k++) out.push(storedOp(tx, k)!);
        }
      }
      this.opList = out;
    }
    return this.opList;
  }

  get trades(): TradeRow[] {
    if (this.tradeRows === undefined) {
      const rows: TradeRow[] = [];
      const after: TradeKey = [this.seq, 0, 0, -1];
      for (const row of this.reader.trades({}, after, true)) {
        if (row.ledger !== this.seq) break;
        rows.push(row);
      }
      this.tradeRows = rows;
    }
    return this.tradeRows;
  }

  /**
   * Drops the ledger's tx and operation lists and participants once the event has
   * been handed to every listener. The topics built from them hold all that their streams read
   * (records, their texts and accounts); kept for the feed's window, these intermediates (a
   * StoredTx with its base64 strings, a StoredOp and two participant sets per payment) were the
   * larger part of what subscribers made the node carry into the old generation. A topic first
   * asked for later builds them again from the close result (or the store): the same records.
   */
  release(): void {
    this.txList = undefined;
    this.opList = undefined;
    this.prePacks = undefined;
    this.opParts = undefined;
    this.txParts = undefined;
  }

  private readAll<T>(page: (cursor: string | undefined) => T[], tokenOf: (t: T) => string): T[] {
    const out: T[] = [];
    let cursor: string | undefined;
    for (;;) {
      const batch = page(cursor);
      out.push(...batch);
      if (batch.length < READ_CHUNK) return out;
      cursor = tokenOf(batch[batch.length - 1]!);
    }
  }
}

/** A lazily encoded SSE event of one record's JSON (the bytes every stream sending it shares). */
function frameOf(token: string | undefined, json: () => string): () => Buffer {
  let bytes: Buffer | undefined;
  return () => (bytes ??= Buffer.from(eventFrame(token, json())));
}

/**
 * A topic list's records as their SSE events (`eventFrame` of each), back to back in one buffer,
 * with where each starts (`offsets[i]`) and the end (`offsets[length]`). The buffer's memory is
 * outside V8's heap: a ledger kept for the resume window holds its records' bytes here rather
 * than as one JSON string per record, which every scavenge copied until it was promoted (the
 * largest part of the garbage collection subscribers added). A record's JSON is a slice of its
 * event: after `id: <token>\ndata: `, before the closing blank line.
 */
export class EventPack {
  constructor(
    readonly bytes: Buffer,
    readonly offsets: Uint32Array,
  ) {}
}

/**
 * Where a topic's events are written as its records are formatted, before one copy into the
 * pack's own buffer of the exact size: grown to the largest topic so far (a ledger of 7,500
 * payments is ~7 MB), then reused. Each text is written as soon as it is made and dropped, so a
 * ledger's texts are never all alive at once (a scavenge during a build copied every one made so
 * far), and no text is measured before it is written.
 */
let packScratch: Buffer | undefined;

/** Writes one topic list's events (see `packScratch`); `finish` makes the `EventPack` and points each record at its event. */
class EventPackWriter {
  private readonly offsets: Uint32Array;
  private bytes: Buffer;
  private at = 0;
  private n = 0;
  constructor(count: number) {
    this.offsets = new Uint32Array(count + 1);
    // Taken while this list is written: a pack built meanwhile (none is, today) gets a buffer of its own.
    this.bytes = packScratch ?? Buffer.allocUnsafeSlow(64 * 1024);
    packScratch = undefined;
  }

  /** The event of the next record: `id: <token>`, its JSON as the `data:` line. */
  add(token: string, json: string): void {
    this.bytes = withRoom(this.bytes, this.at, eventBytesAtMost(token, json));
    this.offsets[this.n++] = this.at;
    this.at += writeEvent(this.bytes, this.at, token, json);
  }

  /** The next record's event as bytes already made (`bytes[start..end)`, a whole event). */
  addEvent(bytes: Buffer, start: number, end: number): void {
    this.bytes = withRoom(this.bytes, this.at, end - start);
    this.offsets[this.n++] = this.at;
    this.at += bytes.copy(this.bytes, this.at, start, end);
  }

  /** Copies the events into a buffer of their size and points `recs[i]` at event i (as many as were added). */
  finish(recs: readonly Rec<{paging_token: string}>[]): void {
    if (recs.length !== this.n) throw new Error(`packed ${this.n} events for ${recs.length} records`);
    this.offsets[this.n] = this.at;
    const bytes = Buffer.allocUnsafeSlow(this.at);
    this.bytes.copy(bytes, 0, 0, this.at);
    // The scratch is given back (the larger of it and this writer's buffer) for the next topic.
    if (packScratch === undefined || packScratch.length < this.bytes.length) packScratch = this.bytes;
    const pack = new EventPack(bytes, this.offsets);
    for (let i = 0; i < this.n; i++) recs[i]!.place(pack, i);
  }
}

/** Operation records made for the feed's streams, by where they were formatted. */
export interface OperationRecordCounts {
  /** By the record worker while the ledger applied (see close-format.ts). */
  worker: number;
  /** On the main thread once the ledger was published. */
  main: number;
}

/** Whether `pack`'s event `i` is a record's with paging token `token` (`id: <token>` first). */
function holdsEvent(pack: EventPack, i: number, token: string): boolean {
  const start = pack.offsets[i]!;
  const from = start + EVENT_ID_PREFIX.length;
  const to = from + token.length;
  if (!(pack.offsets[i + 1]! > to) || pack.bytes[to] !== NEWLINE) return false;
  // Compared byte by byte (a token is ASCII digits and "-"): no string made per record.
  const bytes = pack.bytes;
  for (let k = 0; k < token.length; k++) if (bytes[from + k] !== token.charCodeAt(k)) return false;
  return true;
}

const NEWLINE = 0x0a;

/** Packs records made from their objects (the JSON text is `JSON.stringify` of each, made as it is written). */
function packObjects<X extends Rec<{paging_token: string}>>(recs: X[], objects: readonly object[]): X[] {
  if (recs.length === 0) return recs;
  const w = new EventPackWriter(recs.length);
  for (let i = 0; i < recs.length; i++) w.add(recs[i]!.token, JSON.stringify(objects[i]));
  w.finish(recs);
  return recs;
}

/**
 * A record of a topic. The records of a ledger are many (one per payment, effect, …) and live
 * while the feed keeps the ledger: each kind is a class (one shape, fields set once in the
 * constructor, methods on the prototype) rather than an object literal spread from another with
 * closures of its own, which allocated several objects per record and left V8 slow shapes.
 *
 * The record's JSON lives only as bytes in its list's `EventPack` (see there); `json` and
 * `record` decode it again for the rare reader that needs a string or the object, while the
 * streams copy (or share) the bytes.
 */
class Rec<R extends {paging_token: string}> implements FeedRecord<R> {
  private pack: EventPack | undefined = undefined;
  private index = 0;

  constructor(
    readonly token: string,
    readonly ledger: number,
  ) {}

  /** Called once, by `EventPackWriter.finish`. */
  place(pack: EventPack, index: number): void {
    this.pack = pack;
    this.index = index;
  }

  private packed(): EventPack {
    if (this.pack === undefined) throw new Error(`feed record ${this.token} was not packed`);
    return this.pack;
  }

  /** Where the record's JSON starts in its pack. */
  private jsonStart(pack: EventPack): number {
    return pack.offsets[this.index]! + EVENT_ID_PREFIX.length + this.token.length + EVENT_DATA_PREFIX.length;
  }

  get json(): string {
    const pack = this.packed();
    return pack.bytes.toString("utf8", this.jsonStart(pack), pack.offsets[this.index + 1]! - EVENT_END.length);
  }

  get record(): R {
    return JSON.parse(this.json) as R;
  }

  get jsonByteLength(): number {
    const pack = this.packed();
    return pack.offsets[this.index + 1]! - EVENT_END.length - this.jsonStart(pack);
  }

  copyJson(target: Buffer, at: number): number {
    const pack = this.packed();
    return pack.bytes.copy(target, at, this.jsonStart(pack), pack.offsets[this.index + 1]! - EVENT_END.length);
  }

  get eventByteLength(): number {
    const pack = this.packed();
    return pack.offsets[this.index + 1]! - pack.offsets[this.index]!;
  }

  copyEvent(target: Buffer, at: number): number {
    const pack = this.packed();
    return pack.bytes.copy(target, at, pack.offsets[this.index]!, pack.offsets[this.index + 1]!);
  }

  /** The record's event: a view into its pack (no copy). */
  frame(): Buffer {
    const pack = this.packed();
    return pack.bytes.subarray(pack.offsets[this.index]!, pack.offsets[this.index + 1]!);
  }

  /** The events of `items[from..to)` as one view when they are consecutive records of one pack, else undefined. */
  static run(items: readonly unknown[], from: number, to: number): Buffer | undefined {
    const first = items[from];
    if (!(first instanceof Rec) || first.pack === undefined) return undefined;
    const pack = first.pack;
    for (let i = from + 1; i < to; i++) {
      const r = items[i];
      if (!(r instanceof Rec) || r.pack !== pack || r.index !== first.index + (i - from)) return undefined;
    }
    return pack.bytes.subarray(pack.offsets[first.index]!, pack.offsets[first.index + (to - from)]!);
  }
}

/**
 * The SSE events of `items[from..to)` as one view of their list's pack when they are
 * consecutive records of it (a whole topic list, or a run of it): no copy. Undefined otherwise.
 */
export function packedRun(items: readonly unknown[], from: number, to: number): Buffer | undefined {
  return Rec.run(items, from, to);
}

class TxRec extends Rec<TransactionRecord> implements TransactionFeedRecord {
  constructor(
    token: string,
    ledger: number,
    readonly txHash: string,
    readonly successful: boolean,
    readonly accounts: ReadonlySet<AccountId>,
  ) {
    super(token, ledger);
  }
}

class OpRec extends Rec<OperationRecord> implements OperationFeedRecord {
  private joined: string | undefined = undefined;
  private joinedBytes: Buffer | undefined = undefined;

  constructor(
    readonly opId: string,
    ledger: number,
    readonly txHash: string,
    readonly transactionSuccessful: boolean,
    readonly payment: boolean,
    readonly accounts: AccountSet,
    /** The JSON of the ledger's transaction records by hash, made on first use by any of its operations. */
    private readonly txOf: (hash: string) => string | undefined,
  ) {
    super(opId, ledger);
  }

  /**
   * `JSON.stringify({...record, transaction})` spliced from the two texts: an operation record
   * has no `transaction` key, so the joined object's text is the record's with one more member.
   */
  joinedJson(): string {
    if (this.joined === undefined) {
      const tx = this.txOf(this.txHash);
      this.joined = tx === undefined ? this.json : `${this.json.slice(0, -1)},"transaction":${tx}}`;
    }
    return this.joined;
  }

  joinedFrame(): Buffer {
    return (this.joinedBytes ??= Buffer.from(eventFrame(this.token, this.joinedJson())));
  }
}

class EffectRec extends Rec<EffectRecord> implements EffectFeedRecord {
  constructor(
    token: string,
    ledger: number,
    readonly opId: string,
    readonly txHash: string,
    readonly accounts: ReadonlySet<AccountId>,
  ) {
    super(token, ledger);
  }
}

class OfferRec extends Rec<OfferRecord> implements OfferFeedRecord {
  constructor(
    token: string,
    ledger: number,
    readonly offerId: bigint,
    readonly seller: AccountId,
    readonly selling: AssetKey,
    readonly buying: AssetKey,
    readonly created: boolean,
  ) {
    super(token, ledger);
  }
}

class TradeRec extends Rec<TradeRecord> implements TradeFeedRecord {
  readonly accounts: ReadonlySet<AccountId>;
  readonly offerIds: ReadonlySet<string>;
  readonly pairKey: string;
  private readonly byBase = new Map<AssetKey, {record: TradeRecord; json: string; frame(): Buffer}>();

  constructor(
    token: string,
    readonly row: TradeRow,
    private readonly base: string,
  ) {
    super(token, row.ledger);
    this.accounts = new Set([row.maker, row.taker]);
    const offerIds = new Set<string>([row.makerOfferId.toString()]);
    if ((row.takerOfferId & (1n << 62n)) === 0n) offerIds.add(row.takerOfferId.toString());
    this.offerIds = offerIds;
    this.pairKey = pairKey(row.sold, row.bought);
  }

  oriented(asset: AssetKey): {record: TradeRecord; json: string; frame(): Buffer} {
    let hit = this.byBase.get(asset);
    if (hit === undefined) {
      const record = tradeRecord(orientTrade(this.row, asset), this.base);
      const json = JSON.stringify(record);
      hit = {record, json, frame: frameOf(this.token, () => json)};
      this.byBase.set(asset, hit);
    }
    return hit;
  }
}

/** The topics of one ledger for one origin; each built on first use. */
class Topics implements LedgerTopics {
  private ledgerList?: FeedRecord<LedgerRecord>[];
  private txList?: TransactionFeedRecord[];
  private opList?: OperationFeedRecord[];
  private paymentList?: OperationFeedRecord[];
  private effectList?: EffectFeedRecord[];
  private tradeList?: TradeFeedRecord[];
  private offerList?: OfferFeedRecord[];
  private readonly byAccount = new Map<string, Map<AccountId, unknown[]>>();
  /** The operation list while it is built over several turns (`prepare`). */
  private opBuild?: {
    ops: StoredOp[];
    parts: OpParticipants;
    list: OpRec[];
    /** The records' pack as it is written; none while the record worker's pack is taken whole. */
    w: EventPackWriter | undefined;
    /** The record worker's pack of this ledger for this origin, if it made one. */
    pre: EventPack | undefined;
    next: number;
    txOf: (hash: string) => string | undefined;
  };
  /** Per-account indexes while they are built over several turns. */
  private readonly indexBuild = new Map<AccountTopic, {records: readonly {accounts: AccountSet}[]; index: Map<AccountId, unknown[]>; next: number}>();
  private readonly asked = new Set<PreparedWork>();
  private preparing = false;
  /** Operation ids by claimable balance touched, made on first use. */
  private balanceOps?: Map<string, Set<string>>;

  constructor(
    private readonly data: LedgerData,
    private readonly reader: LedgerReader,
    private readonly base: string,
  ) {}

  get ledgers(): FeedRecord<LedgerRecord>[] {
    if (this.ledgerList === undefined) {
      const record = ledgerRecord(this.data.input.header, this.base);
      this.ledgerList = packObjects([new Rec<LedgerRecord>(record.paging_token, this.data.seq)], [record]);
    }
    return this.ledgerList;
  }

  get transactions(): TransactionFeedRecord[] {
    if (this.txList === undefined) {
      const parts = this.data.txParticipants;
      const txs = this.data.txs;
      const records = txs.map((tx) => transactionRecord(tx, this.base));
      this.txList = packObjects(
        txs.map((tx, i) => new TxRec(records[i]!.paging_token, tx.ledger, tx.hash, tx.successful, parts.get(tx.index) ?? NO_ACCOUNTS)),
        records,
      );
    }
    return this.txList;
  }

  get operations(): OperationFeedRecord[] {
    this.ask("operations");
    this.buildOperations(Infinity);
    return this.opList!;
  }

  /**
   * Formats up to `budget` more operation records into the list's pack; true once the list is
   * whole (`opList` set). The getter builds it in one call, a preparation over several turns:
   * the same records either way.
   */
  private buildOperations(budget: number): boolean {
    if (this.opList !== undefined) return true;
    let b = this.opBuild;
    if (b === undefined) {
      const txRecords = new Map<string, string>();
      const txOf = (hash: string): string | undefined => {
        if (txRecords.size === 0) for (const t of this.transactions) txRecords.set(t.txHash, t.json);
        return txRecords.get(hash);
      };
      const ops = this.data.ops;
      const pre = this.data.preformatted(this.base);
      // The worker's pack is the list's own when it holds every record and every tx succeeded.
      let whole = pre !== undefined;
      for (let i = 0; whole && i < ops.length; i++) whole = ops[i]!.transactionSuccessful && pre!.offsets[i]! < pre!.offsets[i + 1]!;
      const w = whole ? undefined : new EventPackWriter(ops.length);
      b = this.opBuild = {ops, parts: this.data.opParticipants, list: new Array<OpRec>(ops.length), w, pre, next: 0, txOf};
    }
    const {ops, parts, list, pre, txOf} = b;
    const end = Math.min(ops.length, b.next + budget);
    // `next` moves with each record written, so a build that threw goes on from where it stopped.
    for (; b.next < end; b.next++) {
      const i = b.next;
      const op = ops[i]!;
      if (pre !== undefined && op.transactionSuccessful && holdsEvent(pre, i, op.id)) {
        b.w?.addEvent(pre.bytes, pre.offsets[i]!, pre.offsets[i + 1]!);
        this.data.counts.worker++;
      } else {
        this.data.counts.main++;
        // A record the worker did not make as this one (a failed tx, another kind): formatted here.
        if (b.w === undefined) {
          b.w = new EventPackWriter(ops.length);
          if (pre !== undefined) for (let j = 0; j < i; j++) b.w.addEvent(pre.bytes, pre.offsets[j]!, pre.offsets[j + 1]!);
        }
        b.w.add(op.id, operationJson(op, this.base));
      }
      list[i] = new OpRec(op.id, op.ledger, op.txHash, op.transactionSuccessful, isPaymentOp(op), parts.get(op.txIndex, op.opIndex) ?? NO_ACCOUNTS, txOf);
    }
    if (end < ops.length) return false;
    if (b.w !== undefined) b.w.finish(list);
    else for (let i = 0; i < list.length; i++) list[i]!.place(pre!, i);
    this.opList = list;
    this.opBuild = undefined;
    return true;
  }

  get payments(): OperationFeedRecord[] {
    return (this.paymentList ??= this.operations.filter((o) => o.payment));
  }

  /** The topic's list, from its getter (which marks it asked unless `prepare` is running). */
  private listOf(topic: AccountTopic): readonly {accounts: AccountSet}[] {
    return this[topic];
  }

  get effects(): EffectFeedRecord[] {
    if (this.effectList === undefined) {
      const parts = this.data.opParticipants;
      const txs = new Map<string, StoredTx>();
      for (const tx of this.data.txs) txs.set(tx.hash, tx);
      const out: EffectRec[] = [];
      const records: EffectRecord[] = [];
      let outcomeHash = "";
      let outcome: ReturnType<typeof txOutcomeXdr> | null = null;
      for (const op of this.data.ops) {
        if (!op.transactionSuccessful) continue;
        if (op.txHash !== outcomeHash) {
          const tx = txs.get(op.txHash);
          outcome = tx === undefined ? null : txOutcomeXdr(tx);
          outcomeHash = op.txHash;
        }
        if (outcome === null) continue;
        const opAccounts = parts.get(op.txIndex, op.opIndex) ?? NO_ACCOUNTS;
        for (const e of operationEffects(op, outcome)) {
          const record = effectRecord(op, e, this.base);
          records.push(record);
          out.push(new EffectRec(record.paging_token, op.ledger, op.id, op.txHash, opAccounts.has(e.account) ? new Set([e.account]) : NO_ACCOUNTS));
        }
      }
      this.effectList = packObjects(out, records);
    }
    return this.effectList;
  }

  get trades(): TradeFeedRecord[] {
    if (this.tradeList === undefined) {
      const rows = this.data.trades;
      const records = rows.map((row) => tradeRecord(orientTrade(row), this.base));
      this.tradeList = packObjects(
        rows.map((row, i) => new TradeRec(records[i]!.paging_token, row, this.base)),
        records,
      );
    }
    return this.tradeList;
  }

  get offers(): OfferFeedRecord[] {
    if (this.offerList === undefined) {
      const ids = [...this.data.changed.offers].map((s) => BigInt(s)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const out: OfferRec[] = [];
      const records: OfferRecord[] = [];
      for (const id of ids) {
        const offer = this.reader.offer(id);
        if (offer === undefined) continue;
        const closedAt = this.reader.header(offer.lastModifiedLedger)?.closeTime ?? null;
        const record = offerRecord(offer, closedAt, this.base);
        records.push(record);
        out.push(new OfferRec(record.paging_token, this.data.seq, id, offer.sellerId, assetKey(offer.selling), assetKey(offer.buying), this.data.createdOffers.has(id.toString())));
      }
      this.offerList = packObjects(out, records);
    }
    return this.offerList;
  }

  forClaimableBalance<T extends "transactions" | "operations">(topic: T, balanceId: string): LedgerTopics[T] {
    if (this.balanceOps === undefined) {
      // Op ids by balance, from the plain meta of the ledger's transactions (as balanceOps is written).
      this.balanceOps = new Map();
      for (const tx of this.data.txs) {
        const meta = tx.successful ? plainMetaOf(tx) : undefined;
        if (meta === undefined) continue;
        for (const {opIndex, ids} of balancesByOperation(meta)) {
          for (const id of ids) {
            let set = this.balanceOps.get(id);
            if (set === undefined) this.balanceOps.set(id, (set = new Set()));
            set.add(toidString(tx.ledger, tx.index, opIndex));
          }
        }
      }
    }
    const ops = this.balanceOps.get(balanceId);
    if (ops === undefined) return [] as unknown as LedgerTopics[T];
    if (topic === "operations") return this.operations.filter((o) => ops.has(o.opId)) as unknown as LedgerTopics[T];
    const hashes = new Set(this.operations.filter((o) => ops.has(o.opId)).map((o) => o.txHash));
    return this.transactions.filter((t) => hashes.has(t.txHash)) as unknown as LedgerTopics[T];
  }

  forAccount<T extends AccountTopic>(topic: T, account: AccountId): LedgerTopics[T] {
    this.ask(INDEX_WORK[topic]);
    this.buildIndex(topic, Infinity);
    return (this.byAccount.get(topic)!.get(account) ?? []) as unknown as LedgerTopics[T];
  }

  /** Indexes up to `budget` more of the topic's records by account; true once the index is whole. */
  private buildIndex(topic: AccountTopic, budget: number): boolean {
    if (this.byAccount.has(topic)) return true;
    let b = this.indexBuild.get(topic);
    if (b === undefined) {
      b = {records: this.listOf(topic), index: new Map(), next: 0};
      this.indexBuild.set(topic, b);
    }
    const {records, index} = b;
    const end = Math.min(records.length, b.next + budget);
    // One callback for every record (it lists `r`, the record being walked): no closure or iterator per record.
    let r: unknown;
    const add = (a: AccountId): void => {
      const list = index.get(a);
      if (list === undefined) index.set(a, [r]);
      else list.push(r);
    };
    for (; b.next < end; b.next++) {
      const rec = records[b.next]!;
      r = rec;
      rec.accounts.forEach(add);
    }
    if (end < records.length) return false;
    this.byAccount.set(topic, index);
    this.indexBuild.delete(topic);
    return true;
  }

  /** Records a listener's use of a list, unless it comes from `prepare` (which follows what listeners asked). */
  private ask(work: PreparedWork): void {
    if (!this.preparing) this.asked.add(work);
  }

  /** What listeners asked of this view: a later ledger's view is prepared with the same. */
  get askedWork(): ReadonlySet<PreparedWork> {
    return this.asked;
  }

  /**
   * Does up to `budget` records of `work` ahead of the listeners; true once it is complete. A
   * list other than the operations (which payments are filtered from) is made whole in the
   * first call: they are built at once by their getters, as when a listener asks first.
   */
  prepare(work: PreparedWork, budget: number): boolean {
    this.preparing = true;
    try {
      if (work === "operations") return this.buildOperations(budget);
      const topic = work.slice("index:".length) as AccountTopic;
      // The list first: its records are indexed in later calls.
      if ((topic === "operations" || topic === "payments") && !this.buildOperations(budget)) return false;
      return this.buildIndex(topic, budget);
    } finally {
      this.preparing = false;
    }
  }
}

class Event implements LedgerEvent {
  private readonly views = new Map<string, Topics>();
  readonly publishedAt = performance.now();

  constructor(
    private readonly data: LedgerData,
    private readonly reader: LedgerReader,
    private readonly defaultBase: string,
  ) {}

  get ledger(): number {
    return this.data.seq;
  }

  get header() {
    return this.data.input.header;
  }

  get changed(): ChangedState {
    return this.data.changed;
  }

  get topics(): LedgerTopics {
    return this.topicsFor(this.defaultBase);
  }

  /** See `LedgerData.release`. */
  release(): void {
    this.data.release();
  }

  topicsFor(base: string): LedgerTopics {
    return this.view(base);
  }

  private view(base: string): Topics {
    let view = this.views.get(base);
    if (view === undefined) {
      view = new Topics(this.data, this.reader, base);
      this.views.set(base, view);
    }
    return view;
  }

  /** What listeners asked of this ledger's topics, by origin. */
  askedWork(): Map<string, PreparedWork[]> {
    const out = new Map<string, PreparedWork[]>();
    for (const [base, view] of this.views) if (view.askedWork.size > 0) out.set(base, [...view.askedWork]);
    return out;
  }

  /**
   * Does up to `budget` records of `work` (the first unfinished item first) ahead of the
   * listeners; true once all of it is done.
   */
  prepare(work: Map<string, PreparedWork[]>, budget: number): boolean {
    for (const [base, items] of work) {
      const view = this.view(base);
      for (const item of items) if (!view.prepare(item, budget)) return false;
    }
    return true;
  }
}

export interface LedgerFeedOptions {
  /**
   * Origin for links of `event.topics` (e.g. "http://127.0.0.1:8000"); streams that know their
   * client's origin ask `topicsFor(origin)`. The API server sets it when it binds.
   */
  defaultBase: string;
  /**
   * Latest events kept (with the records their streams formatted) for streams that (re)connect
   * from a paging token in one of those ledgers: they are served from the kept records instead
   * of a history read. A stream that hits its `limit` reconnects within milliseconds from a
   * token of the last ledger or two, and a client dropped by a proxy within seconds, so 10
   * ledgers (10 s at the default close interval) cover both; a client further behind pages
   * history as a GET would. The cost is memory: each kept ledger holds its close result and the
   * formatted records of the topics someone streamed (a few MB for a ledger of 1,000 payments).
   * 0 keeps none.
   */
  retainLedgers: number;
  /**
   * The kept window also stops at this many operations (the tx sets' operation counts summed
   * over the kept ledgers); the newest ledger is kept whatever its size. A kept ledger costs
   * about 1.4 KB per operation before any stream formats it (its close result: applied txs,
   * changed entries, meta): 10 ledgers of 60-120 transactions of 100 create_account operations
   * each held 110 MB of heap. 20,000 keeps all 10 ledgers up to 2,000 operations each, and
   * about 30 MB of close results for larger ledgers.
   */
  retainOperations: number;
  /**
   * Where a published ledger's tx records come from: "close" builds them from the close result
   * the event carries (`storedTxsOfClose`, the same records as the store read); "store" reads
   * them back from the store once committed, as a history page does.
   */
  txsFrom: "close" | "store";
  /**
   * Records formatted per event-loop turn when a ledger's topics are built before its listeners
   * get it. The work the listeners asked of the ledger before (its operation records, the
   * per-account indexes) is done for each new ledger in turns of this many records, between
   * which the node serves requests, and the listeners then find it done. Built in the
   * listeners' own turn instead, a ledger of 7,000 payments held the event loop ~25-45 ms at
   * once, during which no submission was taken. 0: nothing ahead, each list is built in one go
   * when a listener first asks for it. A backlog (more than two ledgers waiting, as when the
   * node catches up) goes out unprepared.
   */
  prepareSliceRecords: number;
  /**
   * Ledgers of at least this many operations have their operation records formatted on a
   * thread of their own while they apply (see close-format.ts), for the origins whose streams
   * asked for operations or payments of the ledger before; 0: never, every record is formatted
   * on the main thread after the commit. Below a few hundred records the copy of the envelopes
   * and the thread's answer cost about what they save.
   */
  recordWorkerMinOps: number;
}

/** Ledgers queued (the one to prepare included) beyond which the first is handed out unprepared. */
const MAX_WAITING_TO_PREPARE = 2;

export const defaultLedgerFeedOptions: LedgerFeedOptions = {defaultBase: "http://127.0.0.1:8000", retainLedgers: 10, retainOperations: 20_000, txsFrom: "close", prepareSliceRecords: 1000, recordWorkerMinOps: 200};

export class LedgerFeed implements EventFeed {
  private readonly listeners = new Set<LedgerEventListener>();
  private lastEvent: Event | undefined;
  /** The last `retainLedgers` events (at most `retainOperations` operations), consecutive ledgers, oldest first. */
  private readonly kept: LedgerEvent[] = [];
  /** Operation count of each kept ledger, parallel to `kept`. */
  private readonly keptOps: number[] = [];
  private keptOpsTotal = 0;
  private readonly retainLedgers: number;
  private readonly retainOperations: number;
  private readonly txsFrom: "close" | "store";
  private readonly prepareSlice: number;
  /** Published ledgers not yet handed to the listeners, oldest first; the first is being prepared. */
  private readonly queue: {event: Event; opCount: number}[] = [];
  private closed = false;
  private readonly recordWorkerMinOps: number;
  /** The record worker (see close-format.ts), when `recordWorkerMinOps` > 0. */
  private readonly formatter: CloseFormatter | undefined;
  /** Operation records made for streams so far, by where they were formatted. */
  readonly operationRecords: OperationRecordCounts = {worker: 0, main: 0};
  /** The tx sets sent to the record worker, by ledger: its packs are used only for a ledger published with that same set. */
  private readonly sentSets = new Map<number, readonly TxFrame[]>();
  defaultBase: string;

  constructor(
    opts: Partial<LedgerFeedOptions>,
    private readonly modules: {reader: LedgerReader; log?: Pick<Logger, "error">},
  ) {
    this.defaultBase = opts.defaultBase ?? defaultLedgerFeedOptions.defaultBase;
    const retain = opts.retainLedgers ?? defaultLedgerFeedOptions.retainLedgers;
    if (!Number.isInteger(retain) || retain < 0) throw new RangeError("retainLedgers must be a whole number ≥ 0");
    this.retainLedgers = retain;
    const retainOps = opts.retainOperations ?? defaultLedgerFeedOptions.retainOperations;
    if (!Number.isInteger(retainOps) || retainOps < 0) throw new RangeError("retainOperations must be a whole number ≥ 0");
    this.retainOperations = retainOps;
    const from = opts.txsFrom ?? defaultLedgerFeedOptions.txsFrom;
    if (from !== "close" && from !== "store") throw new RangeError('txsFrom must be "close" or "store"');
    this.txsFrom = from;
    const slice = opts.prepareSliceRecords ?? defaultLedgerFeedOptions.prepareSliceRecords;
    if (!Number.isInteger(slice) || slice < 0) throw new RangeError("prepareSliceRecords must be a whole number ≥ 0");
    this.prepareSlice = slice;
    const minOps = opts.recordWorkerMinOps ?? defaultLedgerFeedOptions.recordWorkerMinOps;
    if (!Number.isInteger(minOps) || minOps < 0) throw new RangeError("recordWorkerMinOps must be a whole number ≥ 0");
    this.recordWorkerMinOps = minOps;
    this.formatter = minOps > 0 ? new CloseFormatter({...(modules.log !== undefined ? {log: modules.log} : {})}) : undefined;
  }

  /**
   * Called by the close once it has ordered ledger `seq`'s transactions (`frames`, in apply
   * order), before it applies them: when the listeners asked for the ledger before's operation
   * records (or payments) and this ledger is large enough, the record worker formats them while
   * the ledger applies (see close-format.ts). What it made is used when the ledger is published.
   */
  closeStarted(seq: number, closeTime: number, frames: readonly TxFrame[]): void {
    if (this.formatter === undefined || this.closed || this.listeners.size === 0) return;
    let ops = 0;
    for (const f of frames) ops += f.operations.length;
    if (ops < this.recordWorkerMinOps) return;
    const bases: string[] = [];
    for (const [base, work] of this.lastEvent?.askedWork() ?? []) {
      if (work.some((w) => w === "operations" || w === "index:operations" || w === "index:payments")) bases.push(base);
    }
    if (bases.length === 0) return;
    if (this.formatter.submit(closeFormatTask(seq, closeTime, bases, frames))) this.sentSets.set(seq, frames);
  }

  /**
   * Called once per closed ledger after its commit is durable (the herder's ledger-closed
   * listener), in ledger order. The listeners get each ledger in order: at once when there is
   * nothing to prepare, otherwise after the work they asked of the ledger before is done for it
   * over a few turns (see `prepareSliceRecords`); `last` and `since` answer with a ledger from
   * then. Listeners run synchronously; one that throws is logged and the others still run.
   */
  publish(input: ClosedLedgerInput): LedgerEvent {
    const formatter = this.formatter;
    const seq = input.header.seq;
    // The worker's records are this ledger's only if it was sent the very set (the same array, in apply order) that was applied.
    const sent = this.sentSets.get(seq);
    for (const s of this.sentSets.keys()) if (s <= seq) this.sentSets.delete(s);
    const take = formatter !== undefined && sent !== undefined && sent === input.result.frames ? () => formatter.take(seq) : undefined;
    const data = new LedgerData(this.modules.reader, input, this.txsFrom, take, this.operationRecords);
    const event = new Event(data, this.modules.reader, this.defaultBase);
    if (this.closed) return event;
    this.queue.push({event, opCount: input.header.opCount});
    if (this.queue.length === 1) this.next();
    return event;
  }

  /** Stops handing ledgers out: the ones still being prepared are dropped. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.formatter?.close();
  }

  /** Hands the queued ledgers out in order: at once while there is nothing to prepare, otherwise after the first is prepared. */
  private next(): void {
    for (let first = this.queue[0]; first !== undefined; first = this.queue[0]) {
      // A backlog (a node catching up publishes ledgers faster than they are prepared) goes out at
      // once, as without preparation: ledgers waiting hold their close results in memory.
      const prepare = this.prepareSlice > 0 && this.listeners.size > 0 && this.queue.length <= MAX_WAITING_TO_PREPARE;
      const work = prepare ? this.lastEvent?.askedWork() : undefined;
      if (work !== undefined && work.size > 0) {
        this.prepareThenHandOut(first, work);
        return;
      }
      this.queue.shift();
      this.handOut(first.event, first.opCount);
    }
  }

  /** Prepares `first` (the head of the queue) over as many turns as it takes, hands it out, and goes on with the next on a later turn. */
  private prepareThenHandOut(first: {event: Event; opCount: number}, work: Map<string, PreparedWork[]>, waited = false): void {
    // The record worker's answer for this ledger first, if it is still formatting it (a bounded wait).
    if (!waited && this.formatter?.isPending(first.event.ledger) === true) {
      void this.formatter.settled(first.event.ledger).then(() => this.prepareThenHandOut(first, work, true));
      return;
    }
    const step = (): void => {
      if (this.closed || this.queue[0] !== first) return;
      let done = true;
      try {
        done = first.event.prepare(work, this.prepareSlice);
      } catch (err) {
        // The listeners build what they need themselves (and meet the error in their own turn).
        this.modules.log?.error({err, ledger: first.event.ledger}, "ledger feed preparation failed");
      }
      if (!done) {
        setImmediate(step);
        return;
      }
      this.queue.shift();
      this.handOut(first.event, first.opCount);
      if (this.queue.length > 0) setImmediate(() => this.next());
    };
    step();
  }

  private handOut(event: Event, opCount: number): void {
    this.lastEvent = event;
    this.keep(event, opCount);
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch (err) {
        this.modules.log?.error({err, ledger: event.ledger}, "ledger feed listener failed");
      }
    }
    event.release();
    // What the record worker made of a ledger no listener built.
    this.formatter?.take(event.ledger);
  }

  subscribe(listener: LedgerEventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get last(): LedgerEvent | undefined {
    return this.lastEvent;
  }

  since(ledger: number): readonly LedgerEvent[] | undefined {
    const oldest = this.kept[0];
    if (oldest === undefined || !(ledger >= oldest.ledger)) return undefined;
    return this.kept.slice(Math.min(ledger - oldest.ledger, this.kept.length));
  }

  /**
   * Adds the event to the kept window. A ledger that does not follow the newest kept one (the
   * node caught up without publishing the ledgers between) starts the window again: `since`
   * only ever answers with every ledger of its range. The oldest kept ledgers are dropped while
   * the window holds more than `retainLedgers` ledgers or more than `retainOperations`
   * operations, down to the newest ledger.
   */
  private keep(event: LedgerEvent, opCount: number): void {
    if (this.retainLedgers === 0) return;
    const newest = this.kept[this.kept.length - 1];
    if (newest !== undefined && event.ledger !== newest.ledger + 1) {
      this.kept.length = 0;
      this.keptOps.length = 0;
      this.keptOpsTotal = 0;
    }
    this.kept.push(event);
    this.keptOps.push(opCount);
    this.keptOpsTotal += opCount;
    while (this.kept.length > 1 && (this.kept.length > this.retainLedgers || this.keptOpsTotal > this.retainOperations)) {
      this.kept.shift();
      this.keptOpsTotal -= this.keptOps.shift() ?? 0;
    }
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}
