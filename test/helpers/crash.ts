/**
 * Driving a node through crashes: fund senders, keep a payment load running while remembering
 * every transaction the node acknowledged, and after a restart check that each of them is in the
 * ledger and that the header chain recomputes and links from genesis. Used by the crash test, the
 * short soak test and the kill -9 soak script (native-bench/soak.ts).
 */
import {Account, Asset, Keypair, Operation, TransactionBuilder} from "@stellar/stellar-base";
import {LedgerStore} from "../../src/store/ledger-store.js";
import {headerHash} from "../../src/ledger/header.js";
import {rootKeypair} from "../../src/ledger/genesis.js";
import {sleep} from "./node.js";

/** Stellar's limit of operations in one transaction. */
const MAX_OPS_PER_TX = 100;
/** Every this many transactions a sender creates an account instead of paying, so both kinds cross a crash. */
const CREATE_EVERY = 50;
/** Back-off after a 5xx (back-pressure) before the same transaction is sent again. */
const BUSY_BACKOFF_MS = 20;

export async function json<T>(url: string, init?: RequestInit): Promise<{status: number; body: T}> {
  const r = await fetch(url, {signal: AbortSignal.timeout(30_000), ...init});
  return {status: r.status, body: (await r.json()) as T};
}

export function post(url: string, path: string, envelope: string): Promise<{status: number; body: {hash?: string; tx_status?: string}}> {
  return json<{hash?: string; tx_status?: string}>(url + path, {
    method: "POST",
    headers: {"content-type": "application/x-www-form-urlencoded"},
    body: "tx=" + encodeURIComponent(envelope),
  });
}

export async function passphraseOf(url: string): Promise<string> {
  return (await json<{network_passphrase: string}>(url + "/")).body.network_passphrase;
}

/** Sequence number of an account as a bigint (never through a JS number). */
export async function accountSequence(url: string, id: string): Promise<bigint> {
  const r = await json<{sequence?: string}>(url + "/accounts/" + id);
  if (r.status !== 200 || r.body.sequence === undefined) throw new Error(`GET /accounts/${id} answered ${r.status}`);
  return BigInt(r.body.sequence);
}

export async function latestLedger(url: string): Promise<number> {
  const {body} = await json<{_embedded: {records: Array<{sequence: number}>}}>(url + "/ledgers?order=desc&limit=1");
  return body._embedded.records[0].sequence;
}

/** Creates `count` random accounts from root (up to 100 per transaction), each waiting for its ledger. */
export async function fundSenders(url: string, count: number, startingBalance = "1000"): Promise<Keypair[]> {
  const passphrase = await passphraseOf(url);
  const root = rootKeypair(passphrase);
  const rootAccount = new Account(root.publicKey(), (await accountSequence(url, root.publicKey())).toString());
  const senders = Array.from({length: count}, () => Keypair.random());
  for (let start = 0; start < count; start += MAX_OPS_PER_TX) {
    const b = new TransactionBuilder(rootAccount, {fee: "100", networkPassphrase: passphrase});
    for (const s of senders.slice(start, start + MAX_OPS_PER_TX)) {
      b.addOperation(Operation.createAccount({destination: s.publicKey(), startingBalance}));
    }
    const tx = b.setTimeout(0).build();
    tx.sign(root);
    const r = await post(url, "/transactions", tx.toXDR());
    if (r.status !== 200) throw new Error(`funding answered ${r.status}: ${JSON.stringify(r.body)}`);
  }
  return senders;
}

export interface LoadCounts {
  /** Answers that acknowledge the tx: 201 from /transactions_async, 200 from /transactions. */
  acknowledged: number;
  /** 5xx answers (back-pressure), retried with the same sequence number. */
  busy: number;
  /** 4xx answers; the sender re-reads its sequence and goes on. */
  refused: number;
  /** Requests that got no answer (the node died under them); their fate is unknown. */
  unanswered: number;
}

/**
 * One stream per sender, each paying the next sender (every 50th tx creates a fresh account),
 * alternating synchronous and asynchronous submission. `acknowledged` holds the hash of every tx
 * the node answered with success; those, and only those, must survive a crash.
 */
export class PaymentLoad {
  readonly acknowledged = new Set<string>();
  readonly counts: LoadCounts = {acknowledged: 0, busy: 0, refused: 0, unanswered: 0};
  /** A few refusal bodies, for the report when something is refused. */
  readonly refusals: string[] = [];
  private stopped = false;
  private streams: Promise<void>[] = [];

  constructor(
    private readonly url: string,
    private readonly passphrase: string,
    private readonly senders: Keypair[],
    /** Per sender; the stream ends after this many acknowledged txs (or at stop()). */
    private readonly maxPerSender = Number.MAX_SAFE_INTEGER,
  ) {}

  /** Reads each sender's sequence, then starts the streams. */
  async start(): Promise<void> {
    const seqs = await Promise.all(this.senders.map((s) => accountSequence(this.url, s.publicKey())));
    this.streams = this.senders.map((s, i) => this.stream(s, i, seqs[i]));
  }

  /** Stops sending; resolves when every stream has returned (a dead node ends them at once). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.streams);
  }

  private async stream(sender: Keypair, i: number, startSeq: bigint): Promise<void> {
    let seq = startSeq;
    const next = this.senders[(i + 1) % this.senders.length].publicKey();
    for (let k = 0; k < this.maxPerSender && !this.stopped; ) {
      const op =
        k % CREATE_EVERY === 0
          ? Operation.createAccount({destination: Keypair.random().publicKey(), startingBalance: "1"})
          : Operation.payment({destination: next, asset: Asset.native(), amount: "0.001"});
      const tx = new TransactionBuilder(new Account(sender.publicKey(), seq.toString()), {fee: "100", networkPassphrase: this.passphrase})
        .addOperation(op)
        .setTimeout(0)
        .build();
      tx.sign(sender);
      const path = k % 2 === 0 ? "/transactions_async" : "/transactions";
      let r: {status: number; body: unknown};
      try {
        r = await post(this.url, path, tx.toXDR());
      } catch {
        this.counts.unanswered++;
        return; // connection refused or reset: the node is gone
      }
      if ((path === "/transactions_async" && r.status === 201) || (path === "/transactions" && r.status === 200)) {
        this.acknowledged.add(tx.hash().toString("hex"));
        this.counts.acknowledged++;
        seq += 1n;
        k++;
      } else if (r.status >= 500) {
        this.counts.busy++;
        await sleep(BUSY_BACKOFF_MS);
      } else {
        this.counts.refused++;
        if (this.refusals.length < 5) this.refusals.push(`${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
        try {
          seq = (await accountSequence(this.url, sender.publicKey())) + 1n;
        } catch {
          return;
        }
      }
    }
  }
}

/** Hashes among `hashes` that `GET /transactions/{hash}` does not find, `concurrency` requests at a time. */
export async function missingTransactions(url: string, hashes: Iterable<string>, concurrency = 16): Promise<string[]> {
  const all = [...hashes];
  const missing: string[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < all.length) {
      const h = all[next++];
      const r = await fetch(url + "/transactions/" + h, {signal: AbortSignal.timeout(30_000)});
      await r.arrayBuffer();
      if (r.status !== 200) missing.push(h);
    }
  };
  await Promise.all(Array.from({length: Math.min(concurrency, all.length)}, lane));
  return missing;
}

export interface ChainCheck {
  /** Latest header sequence found in the data folder. */
  top: number;
  /** First problem found, if any: a missing header, a hash that does not recompute, a broken link. */
  problem?: string;
}

/**
 * Opens the data folder read-only (beside a running node, as LMDB allows) and walks the headers
 * from genesis: each hash must recompute from its fields and name its predecessor's hash.
 */
export async function checkHeaderChain(dataDir: string): Promise<ChainCheck> {
  const store = new LedgerStore({dir: dataDir, readOnly: true});
  try {
    const top = store.latestHeader().seq;
    let prev = store.header(1);
    if (!prev) return {top, problem: "header 1 missing"};
    if (headerHash(prev) !== prev.hash) return {top, problem: "header 1 hash does not recompute"};
    for (let s = 2; s <= top; s++) {
      const h = store.header(s);
      if (!h) return {top, problem: `header ${s} missing`};
      if (h.prevHash !== prev.hash) return {top, problem: `header ${s} does not link to ${s - 1}`};
      if (headerHash(h) !== h.hash) return {top, problem: `header ${s} hash does not recompute`};
      prev = h;
    }
    return {top};
  } finally {
    await store.close();
  }
}
