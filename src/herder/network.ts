/**
 * The herder's side of the overlay, as stellar-core's herder and its pending envelopes: what
 * peers send is judged here and only what was accepted is flooded on.
 *
 * - Transactions go through admission like a client's; a tx newly queued (from a client or a
 *   peer) is flooded once, never back to the peer that sent it.
 * - An SCP envelope is checked (decodable, signed by its node key, slot in range) and held until
 *   this node has its sender's quorum set and every tx set its values name, fetched by hash from
 *   the sender (then from other peers); only then does SCP see it, so nomination votes on values
 *   it can validate. Envelopes for slots after the next ledger wait for it (externalize messages
 *   go straight to SCP: they tell a lagging node what the network closed).
 * - A node that keeps hearing about later slots than it can close is behind: it catches up.
 */
import {hash} from "node:crypto";
import type {Logger} from "pino";
import type {NetworkConfig} from "../ledger/types.js";
import type {Metrics} from "../metrics/metrics.js";
import type {Overlay, OverlayMessage, PeerId} from "../overlay/interface.js";
import {decodeEnvelope, encodeEnvelope} from "../scp/codec.js";
import {checkQuorumSetSanity, quorumSetHash} from "../scp/quorum.js";
import type {Envelope, QuorumSet} from "../scp/types.js";
import {decodeTxFrame} from "../tx/frame.js";
import type {TxFrame} from "../tx/interface.js";
import type {SignatureVerifier} from "../verify/interface.js";
import type {Herder} from "./herder.js";
import type {ConsensusNet} from "./interface.js";
import {decodeScpValue, decodeTxSet, encodeTxSet, SCP_VALUE_BYTES, type TxSet} from "./tx-set.js";

export interface HerderNetworkOptions {
  /** Envelopes for slots further ahead than this are dropped (stellar-core's LEDGER_VALIDITY_BRACKET). */
  maxSlotsAhead: number;
  /** A fetch not answered within this is asked of another peer; after 4× the envelope goes to SCP anyway. */
  fetchTimeoutMs: number;
  /** Envelopes held for fetches or later slots; beyond this the oldest are dropped. */
  maxHeldEnvelopes: number;
  /** A node hearing of later slots for this long without closing the next ledger starts catch-up. */
  lagGraceMs: number;
  /**
   * With no ledger closed for this long, this node sends its latest statements for the next
   * slot to every peer again (at most once per this interval): a peer that restarted, or
   * reconnected after its flood records say it has them, learns where the slot stands.
   */
  stallResendMs: number;
}

export const defaultHerderNetworkOptions: HerderNetworkOptions = {
  maxSlotsAhead: 100,
  /** 1 s: a fetch on loopback or a LAN answers in milliseconds; a silent peer should not stall a slot. */
  fetchTimeoutMs: 1000,
  maxHeldEnvelopes: 5000,
  /** 1.5 s: longer than a peer takes to close the ledger this node is still committing. */
  lagGraceMs: 1500,
  /** 2 s: several close intervals; resending costs a few small messages per peer. */
  stallResendMs: 2000,
};

/** Fetches missing ledgers; `peers` are the ones that showed they are ahead (most recent first). */
export interface CatchUpPort {
  catchUp(target: number, peers: PeerId[]): void;
  readonly running: boolean;
  /** A catch-up message from a peer (get_ledgers, ledgers, dont_have for ledgers). */
  handle(peer: PeerId, msg: OverlayMessage): boolean;
}

interface Held {
  env: Envelope;
  bytes: Buffer;
  from: PeerId;
  /** Quorum set and tx set hashes (hex) still missing. */
  needs: Set<string>;
  since: number;
  asked: Set<PeerId>;
}

const hex = (b: Buffer): string => b.toString("hex");

/** Frames admitted here, found again by their raw bytes when a peer's tx set names them. */
const MAX_FRAMES_BY_RAW = 50_000;
/** Envelopes of recently closed ledgers kept per generation (two are kept), by raw bytes: a late flooded copy is dropped unread. */
const CLOSED_RAW_GENERATION = 25_000;
/** Tx set bodies kept to answer peers' get_tx_set without encoding the set again. */
const MAX_SERVED_BODIES = 16;

/** sha256 of an envelope's raw bytes: equal keys mean byte-identical envelopes, signatures included. */
function rawKey(envelope: Buffer): string {
  return hash("sha256", envelope, "hex");
}

/** The values an envelope names (each must have its tx set before SCP sees it). */
function valuesOf(env: Envelope): Buffer[] {
  const p = env.statement.pledges;
  switch (p.type) {
    case "nominate":
      return [...p.voted, ...p.accepted];
    case "prepare":
      return [p.ballot?.value, p.prepared?.value, p.preparedPrime?.value].filter((v): v is Buffer => Buffer.isBuffer(v));
    case "confirm":
      return p.ballot ? [p.ballot.value] : [];
    case "externalize":
      return p.commit ? [p.commit.value] : [];
  }
}

export class HerderNetwork {
  private readonly opts: HerderNetworkOptions;
  private held: Held[] = [];
  /** When each (need, peer) was last asked for; entries older than the fetch timeout are dropped each tick. */
  private readonly requested = new Map<string, number>();
  /** Later slots' envelopes, waiting for the ledger before them. */
  private future: Held[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Since when (ms) this node has heard of slots after the next one, and from whom. */
  private aheadSince: number | null = null;
  private aheadSlot = 0;
  private aheadPeers: PeerId[] = [];
  private started = false;
  private lastClose = Date.now();
  private lastResend = 0;
  /** What each peer last said of itself (status messages). */
  private readonly statuses = new Map<PeerId, {ledger: number; phase: string; peers: number; at: number}>();
  private lastStatusSent = 0;
  /** Every validator named in this node's quorum set. */
  private readonly trustedNodes: Set<string>;
  /**
   * Admitted frames (decoded, signatures verified) by the sha256 of their raw envelope: a peer's
   * tx set reuses them instead of decoding and verifying again. Keyed by the bytes, not the tx
   * hash: an envelope with the same tx but other signatures is another envelope.
   */
  private readonly framesByRaw = new Map<string, TxFrame>();
  /**
   * Raw keys of envelopes in recently closed ledgers, in two generations (the older dropped whole
   * when the newer fills: no per-key eviction). A peer's copy that arrives after the ledger (a
   * lagging node demanded it before it saw the tx set) would be verified only to be found a
   * duplicate; it is dropped here before any decode or signature work.
   */
  private closedRaw = new Set<string>();
  private closedRawOlder = new Set<string>();
  /** Flooded txs being admitted (verification in flight), by raw key: a tx set naming one waits for it. */
  private readonly admitting = new Map<string, Promise<unknown>>();
  /** Tx sets from peers whose txs are being verified (each set once, whoever else sends it). */
  private readonly setsVerifying = new Set<string>();
  /** Tx set bodies as sent or received, by set hash (hex). */
  private readonly servedBodies = new Map<string, Buffer>();

  constructor(
    opts: Partial<HerderNetworkOptions>,
    private readonly modules: {
      herder: Herder;
      consensus: ConsensusNet;
      overlay: Overlay;
      config: NetworkConfig;
      log: Logger;
      selfId: PeerId;
      metrics?: Metrics;
      catchUp?: CatchUpPort;
      /** The signature pool: a peer's tx set's txs not admitted here are verified in it, in batches. */
      verifier?: SignatureVerifier;
    },
  ) {
    this.opts = {...defaultHerderNetworkOptions, ...opts};
    const all = new Set<string>();
    const walk = (q: QuorumSet) => {
      for (const v of q.validators) all.add(v);
      for (const i of q.innerSets) walk(i);
    };
    walk(modules.consensus.localQuorumSet);
    this.trustedNodes = all;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const {herder, consensus, overlay} = this.modules;
    overlay.onMessage((peer, msg) => this.onMessage(peer, msg));
    herder.admission.onAdmitted((frame, fromPeer) => {
      this.rememberFrame(frame);
      overlay.broadcast({type: "tx", envelope: frame.envelopeXdr}, fromPeer);
    });
    consensus.onEnvelope((e) => overlay.broadcast({type: "scp", envelope: encodeEnvelope(e)}));
    herder.onLedgerClosed((c) => {
      this.forgetFrames(c.result.frames);
      this.afterClose();
    });
    herder.ledgers.onMissingTxSet((_slot, hash) => this.fetchTxSet(hash, this.peersFirst(this.aheadPeers)));
    herder.ledgers.onAhead((slot) => this.noteAhead(slot, []));
    this.timer = setInterval(() => this.tick(), Math.max(50, Math.floor(this.opts.fetchTimeoutMs / 4)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.held = [];
    this.future = [];
  }

  /** The next slot's SCP phase on this node ("idle" before it has heard or said anything). */
  phase(): string {
    const lcl = this.modules.herder.lastClosed().seq;
    return this.modules.consensus.slotInfo(lcl + 1)?.phase ?? "idle";
  }

  /** Connected peers' latest status messages. */
  peerStatuses(): Array<{id: PeerId; ledger: number; phase: string; peers: number; at: number}> {
    const connected = new Set(this.modules.overlay.peers().map((p) => p.id));
    return [...this.statuses].filter(([id]) => connected.has(id)).map(([id, s]) => ({id, ...s}));
  }

  /** Envelopes waiting for fetches and for later slots (status pages and tests). */
  get heldCount(): number {
    return this.held.length + this.future.length;
  }

  private onMessage(peer: PeerId, msg: OverlayMessage): void {
    const {herder, log} = this.modules;
    try {
      switch (msg.type) {
        case "tx": {
          const k = rawKey(msg.envelope);
          // Already admitted here, or already in a closed ledger: nothing to verify or check.
          if (this.framesByRaw.has(k) || this.closedRaw.has(k) || this.closedRawOlder.has(k)) {
            this.modules.metrics?.overlayFloodDuplicates.inc({type: "tx_known"});
            return;
          }
          if (this.admitting.has(k)) return;
          const admitted = herder
            .admit(msg.envelope, {persist: false, fromPeer: peer}).catch((err: unknown) => log.warn({err, peer}, "flooded tx not admitted"))
            .finally(() => this.admitting.delete(k));
          this.admitting.set(k, admitted);
          return;
        }
        case "scp":
          this.onScp(peer, msg.envelope);
          return;
        case "get_tx_set": {
          const body = this.txSetBody(hex(msg.hash));
          if (body) this.modules.overlay.send(peer, {type: "tx_set", hash: msg.hash, body});
          else this.modules.overlay.send(peer, {type: "dont_have", what: "tx_set", key: msg.hash});
          return;
        }
        case "tx_set":
          this.onTxSet(peer, msg.hash, msg.body);
          return;
        case "get_qset": {
          const q = this.modules.consensus.quorumSet(msg.hash);
          if (q) this.modules.overlay.send(peer, {type: "qset", hash: msg.hash, body: Buffer.from(JSON.stringify(q))});
          else this.modules.overlay.send(peer, {type: "dont_have", what: "qset", key: msg.hash});
          return;
        }
        case "qset":
          this.onQset(peer, msg.hash, msg.body);
          return;
        case "dont_have":
          if (msg.what === "tx_set" || msg.what === "qset") this.askElsewhere(hex(msg.key), peer);
          else this.modules.catchUp?.handle(peer, msg);
          return;
        case "get_ledgers":
        case "ledgers":
          this.modules.catchUp?.handle(peer, msg);
          return;
        case "status":
          this.statuses.set(peer, {ledger: msg.ledger, phase: msg.phase, peers: msg.peers, at: Date.now()});
          return;
      }
    } catch (err) {
      log.warn({err, peer, type: msg.type}, "peer message dropped");
    }
  }

  private onScp(peer: PeerId, bytes: Buffer): void {
    const {consensus, herder, log} = this.modules;
    let env: Envelope;
    try {
      env = decodeEnvelope(bytes);
    } catch (err) {
      this.modules.metrics?.scpRejected.inc({reason: "undecodable"});
      log.debug({err, peer}, "undecodable SCP envelope dropped");
      return;
    }
    const st = env.statement;
    if (st.nodeId === this.modules.selfId) return;
    const lcl = herder.lastClosed().seq;
    if (!Number.isSafeInteger(st.slotIndex) || st.slotIndex < lcl) {
      this.modules.metrics?.scpRejected.inc({reason: "slot_out_of_range"});
      return;
    }
    // Far ahead: only an EXTERNALIZE from a validator this node trusts (a node that is far
    // behind, or started empty, learns from it where the network is and catches up to it).
    if (st.slotIndex > lcl + 1 + this.opts.maxSlotsAhead && !(st.pledges.type === "externalize" && this.trustedNodes.has(st.nodeId))) {
      this.modules.metrics?.scpRejected.inc({reason: "slot_out_of_range"});
      return;
    }
    if (!consensus.verify(env)) {
      this.modules.metrics?.scpRejected.inc({reason: "bad_signature"});
      log.debug({peer, node: st.nodeId, slot: st.slotIndex}, "SCP envelope with a bad signature dropped");
      return;
    }
    const needs = new Set<string>();
    if (st.pledges.type !== "externalize" && !Buffer.isBuffer(st.quorumSetHash)) return;
    if (st.pledges.type !== "externalize" && !consensus.quorumSet(st.quorumSetHash)) needs.add("q:" + hex(st.quorumSetHash));
    // A statement about the ledger closed here last (a peer's late PREPARE or CONFIRM of it) needs
    // no tx set: its value is applied already. Fetching would pull a whole set only to verify
    // txs that are in the ledger.
    if (st.slotIndex > lcl) {
      for (const v of valuesOf(env)) {
        if (!Buffer.isBuffer(v) || v.length !== SCP_VALUE_BYTES) continue;
        const h = hex(decodeScpValue(v).txSetHash);
        if (!herder.txSet(h)) needs.add("t:" + h);
      }
    }
    const held: Held = {env, bytes, from: peer, needs, since: Date.now(), asked: new Set([peer])};
    if (st.slotIndex > lcl + 1) this.noteAhead(st.slotIndex - 1, [peer]);
    if (needs.size > 0) {
      // Later slots' tx sets are fetched when their slot comes: they build on a ledger not closed here yet.
      if (st.slotIndex > lcl + 1 && st.pledges.type !== "externalize") {
        this.hold(this.future, held);
        return;
      }
      this.hold(this.held, held);
      for (const n of needs) this.request(n, peer);
      return;
    }
    this.deliver(held);
  }

  private hold(list: Held[], h: Held): void {
    list.push(h);
    if (this.held.length + this.future.length > this.opts.maxHeldEnvelopes) (this.future.length > 0 ? this.future : this.held).shift();
  }

  /**
   * Asks a peer for a quorum set or tx set, once per fetch timeout: every held envelope naming
   * the same set would otherwise ask for it again, and each answer is a whole tx set.
   */
  private request(need: string, peer: PeerId): void {
    const key = need + "@" + peer;
    const now = Date.now();
    const last = this.requested.get(key);
    if (last !== undefined && now - last < this.opts.fetchTimeoutMs) return;
    this.requested.set(key, now);
    const hash = Buffer.from(need.slice(2), "hex");
    this.modules.overlay.send(peer, need.startsWith("q:") ? {type: "get_qset", hash} : {type: "get_tx_set", hash});
  }

  /**
   * Catch-up's anchor is the tx set of the newest externalized slot: fetch it when missing (it
   * names the ledger before that slot, whose hash the quorum thereby vouches for).
   */
  wantAnchor(): void {
    const w = this.modules.herder.ledgers.newestWaiting();
    if (w !== undefined && !this.modules.herder.txSet(w.txSetHashHex)) this.fetchTxSet(w.txSetHashHex, this.peersFirst(this.aheadPeers));
  }

  private fetchTxSet(hashHex: string, peers: PeerId[]): void {
    for (const p of peers.slice(0, 2)) this.request("t:" + hashHex, p);
  }

  /** Connected peers, the given ones first. */
  private peersFirst(first: PeerId[]): PeerId[] {
    const all = this.modules.overlay.peers().map((p) => p.id);
    return [...first.filter((p) => all.includes(p)), ...all.filter((p) => !first.includes(p))];
  }

  private askElsewhere(hashHex: string, refused: PeerId): void {
    for (const h of this.held) {
      const need = [...h.needs].find((n) => n.slice(2) === hashHex);
      if (need === undefined) continue;
      h.asked.add(refused);
      const next = this.peersFirst([]).find((p) => !h.asked.has(p));
      if (next !== undefined) {
        h.asked.add(next);
        this.request(need, next);
      }
    }
  }

  /** SCP sees the envelope now (its slot is the next ledger, or it is an externalize message). */
  private deliver(h: Held): void {
    const {consensus, herder, overlay} = this.modules;
    const lcl = herder.lastClosed().seq;
    const st = h.env.statement;
    if (st.slotIndex < lcl) return;
    if (st.slotIndex > lcl + 1 && st.pledges.type !== "externalize") {
      this.hold(this.future, h);
      return;
    }
    if (consensus.receive(h.env) === "valid") overlay.broadcast({type: "scp", envelope: h.bytes}, h.from);
  }

  private onTxSet(peer: PeerId, hash: Buffer, body: Buffer): void {
    const {herder, config, log} = this.modules;
    const hashHex = hex(hash);
    if (herder.txSet(hashHex) || this.setsVerifying.has(hashHex)) return;
    const wanted = this.held.some((h) => h.needs.has("t:" + hashHex)) || herder.ledgers.waitingSlots().length > 0;
    if (!wanted) return;
    let set: TxSet;
    const unknown: Array<{i: number; key: string}> = [];
    try {
      // A tx this node already admitted keeps its verified frame: found by its bytes before any
      // decode, so no envelope is decoded or signature checked twice.
      let i = 0;
      const decode = (e: Buffer, id: Buffer) => {
        const key = rawKey(e);
        const known = this.framesByRaw.get(key);
        if (known === undefined) unknown.push({i, key});
        i++;
        return known ?? decodeTxFrame(e, id);
      };
      set = decodeTxSet(body, hashHex, config.networkId, decode, config.maxTxSetSize);
    } catch (err) {
      log.warn({err, peer}, "peer sent a bad tx set");
      return;
    }
    if (unknown.length === 0) return this.addPeerTxSet(peer, set, body);
    this.setsVerifying.add(hashHex);
    void this.verifyUnknown(set, unknown)
      .catch((err: unknown) => log.warn({err, peer, txSet: hashHex}, "verifying a peer's tx set failed; its txs are verified when applied"))
      .finally(() => {
        this.setsVerifying.delete(hashHex);
        if (!herder.txSet(hashHex)) this.addPeerTxSet(peer, set, body);
      });
  }

  /**
   * The set's txs not admitted here: one being admitted (its flooded copy is in the signature
   * pool) is waited for and its frame taken; the others are verified in the pool, batched, and
   * keep what it found. Either way each signature is checked once on this node, off the main
   * thread; a tx the pool cannot take now is verified when applied.
   */
  private async verifyUnknown(set: TxSet, unknown: Array<{i: number; key: string}>): Promise<void> {
    const verifier = this.modules.verifier;
    await Promise.all(
      unknown.map(async ({i, key}) => {
        const inFlight = this.admitting.get(key);
        if (inFlight !== undefined) await inFlight;
        const admitted = this.framesByRaw.get(key);
        if (admitted !== undefined) {
          set.frames[i] = admitted;
          return;
        }
        if (verifier === undefined) return;
        const frame = set.frames[i]!;
        const v = await verifier.verify(frame.envelopeXdr).catch(() => undefined);
        if (v?.ok !== true) return;
        frame.verified = v.frame.verified;
        frame.verifiedFeeBump = v.frame.verifiedFeeBump;
        if (v.frame.triedKeys !== undefined) frame.triedKeys = v.frame.triedKeys;
        if (v.frame.triedFeeBumpKeys !== undefined) frame.triedFeeBumpKeys = v.frame.triedFeeBumpKeys;
      }),
    );
  }

  private addPeerTxSet(peer: PeerId, set: TxSet, body: Buffer): void {
    const {herder, log} = this.modules;
    const hashHex = set.hashHex;
    const verdict = herder.addTxSet(set);
    if (verdict === "held") this.keepBody(hashHex, body);
    if (verdict !== "held") log.warn({peer, txSet: hashHex, verdict}, "tx set from a peer not held");
    this.satisfied("t:" + hashHex, verdict === "held");
  }

  private rememberFrame(frame: TxFrame): void {
    this.framesByRaw.set(rawKey(frame.envelopeXdr), frame);
    // Frames leave as their ledger closes; this bound only matters if ledgers stop closing.
    if (this.framesByRaw.size > MAX_FRAMES_BY_RAW) this.framesByRaw.delete(this.framesByRaw.keys().next().value as string);
  }

  /** A closed ledger's txs will not be named by a set again (their sequence numbers are used). */
  private forgetFrames(frames: readonly TxFrame[]): void {
    for (const f of frames) {
      const k = rawKey(f.envelopeXdr);
      if (this.framesByRaw.get(k) === f) this.framesByRaw.delete(k);
      this.closedRaw.add(k);
    }
    if (this.closedRaw.size >= CLOSED_RAW_GENERATION) {
      this.closedRawOlder = this.closedRaw;
      this.closedRaw = new Set();
    }
  }

  private keepBody(hashHex: string, body: Buffer): void {
    this.servedBodies.set(hashHex, body);
    if (this.servedBodies.size > MAX_SERVED_BODIES) this.servedBodies.delete(this.servedBodies.keys().next().value as string);
  }

  /** The bytes of a tx set this node holds: as received or first encoded, never encoded twice. */
  private txSetBody(hashHex: string): Buffer | undefined {
    const kept = this.servedBodies.get(hashHex);
    if (kept !== undefined) return kept;
    const set = this.modules.herder.servedTxSet(hashHex);
    if (set === undefined) return undefined;
    const body = encodeTxSet(set);
    this.keepBody(hashHex, body);
    return body;
  }

  private onQset(peer: PeerId, hash: Buffer, body: Buffer): void {
    const {consensus, log} = this.modules;
    if (consensus.quorumSet(hash)) return;
    let q: QuorumSet;
    try {
      q = parseQuorumSet(JSON.parse(body.toString("utf8")) as unknown);
    } catch (err) {
      log.warn({err, peer}, "peer sent an unreadable quorum set");
      return;
    }
    if (!quorumSetHash(q).equals(hash) || !checkQuorumSetSanity(q).ok) {
      log.warn({peer}, "peer sent a quorum set that does not match its hash or is not sane");
      return;
    }
    consensus.addQuorumSet(q);
    this.satisfied("q:" + hex(hash), true);
  }

  /** A fetched item arrived (or, `ok` false, was refused): envelopes needing nothing more go to SCP. */
  private satisfied(need: string, ok: boolean): void {
    const ready: Held[] = [];
    this.held = this.held.filter((h) => {
      if (!h.needs.delete(need)) return true;
      if (!ok && need.startsWith("q:")) return false;
      if (h.needs.size > 0) return true;
      ready.push(h);
      return false;
    });
    for (const h of ready) this.deliver(h);
  }

  private afterClose(): void {
    this.lastClose = Date.now();
    const lcl = this.modules.herder.lastClosed().seq;
    if (this.aheadSlot <= lcl) {
      this.aheadSince = null;
      this.aheadPeers = [];
    } else if (this.aheadSince !== null) {
      this.aheadSince = Date.now();
    }
    const waiting = this.future;
    this.future = [];
    for (const h of waiting) {
      const st = h.env.statement;
      if (st.slotIndex <= lcl) continue;
      if (st.slotIndex > lcl + 1) {
        this.future.push(h);
        continue;
      }
      // Its slot is next now: fetch what it names, then SCP sees it.
      const needs = new Set<string>();
      if (st.pledges.type !== "externalize" && !this.modules.consensus.quorumSet(st.quorumSetHash)) needs.add("q:" + hex(st.quorumSetHash));
      for (const v of valuesOf(h.env)) {
        if (v.length !== SCP_VALUE_BYTES) continue;
        const th = hex(decodeScpValue(v).txSetHash);
        if (!this.modules.herder.txSet(th)) needs.add("t:" + th);
      }
      if (needs.size === 0) {
        this.deliver(h);
        continue;
      }
      h.needs = needs;
      h.since = Date.now();
      this.held.push(h);
      for (const n of needs) this.request(n, h.from);
    }
    this.held = this.held.filter((h) => h.env.statement.slotIndex > lcl);
  }

  private noteAhead(target: number, peers: PeerId[]): void {
    const lcl = this.modules.herder.lastClosed().seq;
    if (target <= lcl) return;
    if (this.aheadSince === null) this.aheadSince = Date.now();
    this.aheadSlot = Math.max(this.aheadSlot, target);
    for (const p of peers) {
      this.aheadPeers = [p, ...this.aheadPeers.filter((x) => x !== p)].slice(0, 8);
    }
  }

  private tick(): void {
    const now = Date.now();
    const {herder, log} = this.modules;
    for (const [key, at] of this.requested) if (now - at >= this.opts.fetchTimeoutMs) this.requested.delete(key);
    // Fetches not answered: ask another peer; past 4 timeouts, SCP sees the envelope anyway
    // (values whose tx set is unknown are then only "maybe valid": never voted for here).
    const overdue: Held[] = [];
    for (const h of this.held) {
      const age = now - h.since;
      if (age > 4 * this.opts.fetchTimeoutMs) {
        overdue.push(h);
      } else if (age > this.opts.fetchTimeoutMs * h.asked.size) {
        const next = this.peersFirst([]).find((p) => !h.asked.has(p));
        if (next !== undefined) {
          h.asked.add(next);
          for (const n of h.needs) this.request(n, next);
        }
      }
    }
    if (overdue.length > 0) {
      this.held = this.held.filter((h) => !overdue.includes(h));
      for (const h of overdue) if (![...h.needs].some((n) => n.startsWith("q:"))) this.deliver(h);
    }
    const lcl = herder.lastClosed().seq;
    if (now - this.lastStatusSent >= 1000) {
      this.lastStatusSent = now;
      const peers = this.modules.overlay.peers();
      const status = {type: "status" as const, ledger: lcl, phase: this.phase(), peers: peers.length};
      for (const p of peers) this.modules.overlay.send(p.id, status);
    }
    if (now - this.lastClose > this.opts.stallResendMs && now - this.lastResend > this.opts.stallResendMs) {
      this.lastResend = now;
      // The last closed slot's statements too (its EXTERNALIZE): a peer that restarted behind
      // learns from them, through its own SCP, which ledger the quorum closed, its catch-up anchor.
      const envs = [...this.modules.consensus.localEnvelopes(lcl), ...this.modules.consensus.localEnvelopes(lcl + 1)].map((e) => encodeEnvelope(e));
      // Point to point: the overlay's flood records would hold back a broadcast of the same bytes.
      for (const p of this.modules.overlay.peers()) for (const e of envs) this.modules.overlay.send(p.id, {type: "scp", envelope: e});
    }
    if (this.aheadSince !== null && this.aheadSlot > lcl && now - this.aheadSince > this.opts.lagGraceMs && !herder.ledgers.closing && !this.modules.catchUp?.running) {
      if (this.modules.catchUp) {
        log.info({lcl, target: this.aheadSlot, peers: this.aheadPeers.length}, "behind the network; catching up");
        this.modules.catchUp.catchUp(this.aheadSlot, this.peersFirst(this.aheadPeers));
      }
      this.aheadSince = now;
    }
  }
}

/** A quorum set from a peer's JSON: every field checked before use. */
export function parseQuorumSet(raw: unknown, depth = 0): QuorumSet {
  if (depth > 4 || typeof raw !== "object" || raw === null) throw new Error("quorum set must be an object nested at most 4 deep");
  const o = raw as Record<string, unknown>;
  const {threshold, validators, innerSets} = o;
  if (!Number.isInteger(threshold) || (threshold as number) < 1) throw new Error("threshold must be a whole number ≥ 1");
  if (!Array.isArray(validators) || !validators.every((v) => typeof v === "string")) throw new Error("validators must be G... keys");
  if (!Array.isArray(innerSets)) throw new Error("innerSets must be a list");
  return {threshold: threshold as number, validators: validators as string[], innerSets: innerSets.map((s: unknown) => parseQuorumSet(s, depth + 1))};
}
