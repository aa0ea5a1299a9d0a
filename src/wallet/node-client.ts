/**
 * The wallet's side of the Horizon API: reads with fetch, the network passphrase and base fee
 * from the node, and a submit that retries safely, as the SDK's docs advise: on a timeout (504,
 * 503 or a dropped connection) the SAME signed envelope (same hash) is resubmitted until it is
 * in a ledger or the node's ledgers have passed its upper time bound, so a payment can never be
 * made twice; on tx_bad_seq the account is reloaded and the transaction rebuilt and signed once.
 */
import {Account, Keypair, Transaction, TransactionBuilder, type xdr} from "@stellar/stellar-sdk";
import {WalletError} from "./errors.js";

/**
 * Upper time bound of a transaction, in seconds of ledger time after the node's last close.
 * Long enough for a few slow ledgers and a resubmission or two; short enough that a user who got
 * a timeout learns within a minute whether the payment can still happen.
 */
export const DEFAULT_TX_TIMEOUT_S = 60;
/** How long past a transaction's bound (by our clock) we keep trying a node whose ledgers do not reach it. */
const STALLED_GRACE_MS = 60_000;
/** Pause between resubmissions when the node gives no Retry-After. */
const RESUBMIT_PAUSE_MS = 1000;

export interface NetworkInfo {
  passphrase: string;
  /** Close time of the node's latest ledger, unix seconds. */
  closeTime: number;
  friendbot: boolean;
}

export interface SubmitResult {
  hash: string;
  ledger: number;
  /** Envelopes posted, counting resubmissions of the same one. */
  attempts: number;
  /** True when tx_bad_seq made us rebuild with a fresh sequence number. */
  rebuilt: boolean;
}

interface Problem {
  status?: number;
  title?: string;
  detail?: string;
  extras?: {result_codes?: {transaction?: string; operations?: string[]}; hash?: string};
}

export interface SubmitOptions {
  timeoutS?: number;
  /** Progress notes (resubmits, rebuilds) for the human output. */
  onNote?: (note: string) => void;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class WalletNode {
  readonly url: string;

  constructor(url: string) {
    this.url = url.replace(/\/+$/, "");
  }

  /** GET a JSON resource; `null` for 404 when `allow404`. */
  async getJson<T>(path: string, allow404 = false): Promise<T | null> {
    let res: Response;
    try {
      res = await fetch(this.url + path, {headers: {accept: "application/json"}});
    } catch (e) {
      throw new WalletError("node_unreachable", `cannot reach the node at ${this.url}: ${(e as Error).message}`);
    }
    if (res.status === 404 && allow404) {
      await res.body?.cancel();
      return null;
    }
    const body = (await res.json().catch(() => ({}))) as T & Problem;
    if (!res.ok) throw new WalletError("node_error", `${path}: ${res.status} ${body.title ?? ""}${body.detail ? `: ${body.detail}` : ""}`.trim(), {status: res.status});
    return body;
  }

  async network(): Promise<NetworkInfo> {
    const root = await this.getJson<{network_passphrase?: string; history_latest_ledger_closed_at?: string; _links?: Record<string, unknown>}>("/");
    if (typeof root?.network_passphrase !== "string") throw new WalletError("node_error", `${this.url} is not a Horizon API (no network_passphrase at /)`);
    const closeTime = Math.floor(Date.parse(root.history_latest_ledger_closed_at ?? "") / 1000);
    return {passphrase: root.network_passphrase, closeTime: Number.isFinite(closeTime) ? closeTime : Math.floor(Date.now() / 1000), friendbot: root._links?.friendbot !== undefined};
  }

  /** The last ledger's base fee per operation from /fee_stats, in stroops. */
  async baseFee(): Promise<number> {
    const stats = await this.getJson<{last_ledger_base_fee?: string}>("/fee_stats");
    const fee = Number(stats?.last_ledger_base_fee);
    if (!Number.isSafeInteger(fee) || fee <= 0 || fee > 2 ** 32 - 1) throw new WalletError("node_error", `/fee_stats has no usable last_ledger_base_fee (${String(stats?.last_ledger_base_fee)})`);
    return fee;
  }

  async account(id: string): Promise<{sequence: string; balances: Record<string, string>[]}> {
    const acc = await this.getJson<{sequence: string; balances: Record<string, string>[]}>(`/accounts/${id}`, true);
    if (!acc) throw new WalletError("account_not_found", `account ${id} does not exist on this network yet (fund it first: \`diamante wallet fund\`)`);
    return acc;
  }

  async friendbot(id: string): Promise<{hash: string}> {
    let res: Response;
    try {
      res = await fetch(`${this.url}/friendbot?addr=${encodeURIComponent(id)}`);
    } catch (e) {
      throw new WalletError("node_unreachable", `cannot reach the node at ${this.url}: ${(e as Error).message}`);
    }
    const body = (await res.json().catch(() => ({}))) as Problem & {hash?: string};
    if (!res.ok) {
      const codes = body.extras?.result_codes;
      throw new WalletError("friendbot_failed", `friendbot refused ${id}: ${res.status} ${body.title ?? ""}${body.detail ? `: ${body.detail}` : ""}${codes ? ` ${JSON.stringify(codes)}` : ""}`, {status: res.status, result_codes: codes});
    }
    return {hash: String(body.hash)};
  }

  private async post(envelope: string): Promise<{kind: "ok"; body: {hash: string; ledger: number}} | {kind: "retry"; waitMs: number; why: string} | {kind: "problem"; status: number; body: Problem}> {
    let res: Response;
    try {
      res = await fetch(`${this.url}/transactions`, {
        method: "POST",
        headers: {"content-type": "application/x-www-form-urlencoded", accept: "application/json"},
        body: `tx=${encodeURIComponent(envelope)}`,
      });
    } catch (e) {
      return {kind: "retry", waitMs: RESUBMIT_PAUSE_MS, why: `network error: ${(e as Error).message}`};
    }
    const body = (await res.json().catch(() => ({}))) as Problem & {hash: string; ledger: number};
    if (res.ok) return {kind: "ok", body};
    if (res.status === 504 || res.status === 503 || res.status === 502) {
      const after = Number(res.headers.get("retry-after"));
      return {kind: "retry", waitMs: Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 10_000) : RESUBMIT_PAUSE_MS, why: `${res.status} ${body.title ?? ""}`.trim()};
    }
    return {kind: "problem", status: res.status, body};
  }

  /**
   * Builds, signs and submits a transaction with the given operations from `signer`'s account.
   * The fee is the node's base fee per operation; the upper time bound is the node's ledger
   * time plus `timeoutS` (ledger time, not the local clock: a test network closing fast runs
   * ahead of wall time).
   */
  async submit(signer: Keypair, ops: xdr.Operation[], opts: SubmitOptions = {}): Promise<SubmitResult> {
    const timeoutS = opts.timeoutS ?? DEFAULT_TX_TIMEOUT_S;
    const note = opts.onNote ?? (() => {});
    const build = async (): Promise<{tx: Transaction; maxTime: number; wallDeadline: number}> => {
      const [net, fee, acc] = await Promise.all([this.network(), this.baseFee(), this.account(signer.publicKey())]);
      const maxTime = net.closeTime + timeoutS;
      const b = new TransactionBuilder(new Account(signer.publicKey(), acc.sequence), {
        fee: String(fee),
        networkPassphrase: net.passphrase,
        timebounds: {minTime: 0, maxTime},
      });
      for (const op of ops) b.addOperation(op);
      const tx = b.build();
      tx.sign(signer);
      // Stop resubmitting when neither the ledger clock nor our own has reached maxTime long
      // after it should have (the node is down or its ledgers stalled): say we do not know.
      const wallDeadline = Math.max(maxTime * 1000, Date.now() + timeoutS * 1000) + STALLED_GRACE_MS;
      return {tx, maxTime, wallDeadline};
    };

    let {tx, maxTime, wallDeadline} = await build();
    let rebuilt = false;
    let attempts = 0;
    for (;;) {
      const envelope = tx.toEnvelope().toXDR("base64");
      const hash = tx.hash().toString("hex");
      attempts++;
      const r = await this.post(envelope);
      if (r.kind === "ok") return {hash: r.body.hash ?? hash, ledger: r.body.ledger, attempts, rebuilt};
      if (r.kind === "problem") {
        const codes = r.body.extras?.result_codes;
        if (codes?.transaction === "tx_bad_seq" && !rebuilt) {
          // After a timeout, tx_bad_seq may mean our own envelope was applied in the meantime:
          // rebuilding then would pay twice. Only a sequence number taken by another transaction
          // (so this envelope can never apply) justifies a new one.
          if (attempts > 1) {
            const mine = await this.landed(hash, true);
            if (mine) return {hash, ledger: mine.ledger, attempts, rebuilt};
          }
          note(`tx_bad_seq: reloading the account and rebuilding once`);
          rebuilt = true;
          ({tx, maxTime, wallDeadline} = await build());
          continue;
        }
        throw new WalletError("tx_failed", `transaction ${hash} failed: ${r.status} ${r.body.title ?? ""}${codes ? ` ${JSON.stringify(codes)}` : ""}`.trim(), {
          hash,
          status: r.status,
          result_codes: codes,
        });
      }
      // Timed out: the envelope may yet be in a ledger. Look before sending it again.
      const landed = await this.landed(hash);
      if (landed) return {hash, ledger: landed.ledger, attempts, rebuilt};
      const net = await this.network().catch(() => null);
      if (net && net.closeTime >= maxTime) {
        // Every later ledger closes after maxTime, so if it is not in one by now it never will be.
        const last = await this.landed(hash, true);
        if (last) return {hash, ledger: last.ledger, attempts, rebuilt};
        throw new WalletError("tx_expired", `transaction ${hash} was not included before its time bound (${maxTime}) passed; it can no longer be applied, so it is safe to build a new one`, {hash, max_time: maxTime});
      }
      if (Date.now() > wallDeadline) {
        throw new WalletError(
          "tx_status_unknown",
          `the node did not confirm transaction ${hash} and its ledgers have not passed the time bound (${maxTime}); look the hash up before paying again`,
          {hash, max_time: maxTime},
        );
      }
      note(`${r.why}: resubmitting the same transaction ${hash}`);
      await sleep(r.waitMs);
    }
  }

  /**
   * The ledger of a transaction already applied, null if it is not (or, unless `mustKnow`, if the
   * node cannot say right now); throws tx_failed if it was applied and failed.
   */
  private async landed(hash: string, mustKnow = false): Promise<{ledger: number} | null> {
    const rec = await this.getJson<{successful: boolean; ledger: number; result_xdr?: string}>(`/transactions/${hash}`, true).catch((e: unknown) => {
      // Not knowing is not "absent" - but the caller only resubmits the same envelope on null.
      if (!mustKnow && e instanceof WalletError && (e.code === "node_unreachable" || (e.code === "node_error" && Number(e.meta.status) >= 500))) return null;
      throw e;
    });
    if (!rec) return null;
    if (!rec.successful) throw new WalletError("tx_failed", `transaction ${hash} was included in ledger ${rec.ledger} but failed`, {hash, ledger: rec.ledger, result_xdr: rec.result_xdr});
    return {ledger: rec.ledger};
  }
}

export function keypairOfSeed(seed: Uint8Array): Keypair {
  return Keypair.fromRawEd25519Seed(Buffer.from(seed));
}
