/**
 * A simulated anchor: the issuer of one credit asset (USD, AED, …) run as a script, reachable the
 * Stellar way. The issuer account's `home_domain` names this server (127.0.0.1:PORT), which serves
 * `/.well-known/stellar.toml` (SEP-1: TRANSFER_SERVER, ACCOUNTS, CURRENCIES) and a SEP-6 style
 * transfer API (`/info`, `/deposit`, `/withdraw`, `/transaction`, `/transactions`) with CORS, so a
 * wallet page on another origin can call it.
 *
 * Simplified against SEP-6, and only for demos and tests: no SEP-10 authentication (anyone may ask
 * for a deposit to any account), and the off-ledger side is pretended: a deposit's fiat "arrives"
 * at once, a withdrawal's bank payout "happens" when the asset is paid back.
 * - deposit: the anchor pays the asset from the issuer (minting it). An account without a trustline
 *   makes the transaction wait in `pending_trust` until the trustline appears.
 * - withdraw: the anchor answers its account and an id memo; the wallet pays the asset back to the
 *   issuer with that memo (which burns it); the anchor sees the payment on its payment stream and
 *   marks the withdrawal `completed`.
 */
import {createServer, type IncomingMessage, type Server, type ServerResponse} from "node:http";
import type {AddressInfo} from "node:net";
import {Asset, Keypair, Operation, StrKey, type Horizon} from "@stellar/stellar-sdk";
import {pino, type Logger} from "pino";
import {DemoError} from "./errors.js";
import {Submitter} from "./submit.js";

/** The most one request may move, so a typo in a demo does not mint a fortune. */
const MAX_AMOUNT = 1_000_000n * 10_000_000n;
/** How often deposits waiting for a trustline look again: one ledger or so. */
const TRUST_POLL_MS = 1000;
/** Stroops per unit. */
const UNIT = 10_000_000n;

export interface AnchorOptions {
  /** The node's Horizon API. */
  nodeUrl: string;
  /** The issuing account (created and funded by the caller). */
  issuer: Keypair;
  /** The asset code it issues. */
  code: string;
  /** What the asset stands for, e.g. "US dollar". */
  description?: string;
  host?: string;
  /** 0: any free port. */
  port?: number;
  log?: Logger;
}

/** SEP-6's transaction statuses that this anchor uses. */
export type TransferStatus = "pending_user_transfer_start" | "pending_trust" | "pending_stellar" | "completed" | "error";

/** A deposit or withdrawal, in SEP-6's `/transaction` shape. */
export interface TransferRecord {
  id: string;
  kind: "deposit" | "withdrawal";
  status: TransferStatus;
  amount_in: string;
  amount_out: string;
  amount_fee: string;
  started_at: string;
  completed_at?: string;
  stellar_transaction_id?: string;
  /** deposit: the account paid; withdrawal: the account that pays back. */
  to?: string;
  from?: string;
  withdraw_anchor_account?: string;
  withdraw_memo?: string;
  withdraw_memo_type?: "id";
  message?: string;
}

function parseAmount(text: string | null): bigint {
  const m = /^(\d{1,12})(?:\.(\d{1,7}))?$/.exec(text ?? "");
  if (m === null) throw new DemoError("bad_request", `amount must be a positive decimal with at most 7 decimals, got ${JSON.stringify(text)}`);
  const v = BigInt(m[1] ?? "0") * UNIT + BigInt((m[2] ?? "").padEnd(7, "0"));
  if (v === 0n) throw new DemoError("bad_request", "amount must be more than zero");
  if (v > MAX_AMOUNT) throw new DemoError("bad_request", `amount above this anchor's limit of ${MAX_AMOUNT / UNIT}`);
  return v;
}

function amountString(stroops: bigint): string {
  return `${stroops / UNIT}.${(stroops % UNIT).toString().padStart(7, "0")}`;
}

export class Anchor {
  readonly asset: Asset;
  private server: Server | null = null;
  private submitter: Submitter | null = null;
  private closeStream: (() => void) | null = null;
  private trustTimer: NodeJS.Timeout | null = null;
  private readonly transfers = new Map<string, TransferRecord>();
  /** Withdrawal memo (id) → transfer id. */
  private readonly memos = new Map<string, string>();
  private nextId = 1n;
  private readonly memoBase = BigInt(Date.now()) * 1000n;
  private readonly log: Logger;
  private boundPort = 0;

  constructor(private readonly opts: AnchorOptions) {
    this.asset = new Asset(opts.code, opts.issuer.publicKey());
    this.log = (opts.log ?? pino({level: "warn", base: undefined})).child({anchor: opts.code});
  }

  /** host:port, what the issuer's home_domain holds. */
  get domain(): string {
    return `${this.opts.host ?? "127.0.0.1"}:${this.boundPort}`;
  }

  get url(): string {
    return `http://${this.domain}`;
  }

  /** The transfers so far, newest first. */
  list(account?: string): TransferRecord[] {
    return [...this.transfers.values()].filter((t) => account === undefined || t.to === account || t.from === account).reverse();
  }

  transfer(id: string): TransferRecord | undefined {
    return this.transfers.get(id);
  }

  /**
   * Listens, points the issuer's home_domain here (when it is not already), and follows the
   * issuer's payments from now on.
   */
  async start(): Promise<void> {
    this.submitter = await Submitter.connect(this.opts.nodeUrl);
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port ?? 0, this.opts.host ?? "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
    const issuer = await this.submitter.server.loadAccount(this.opts.issuer.publicKey());
    if (issuer.home_domain !== this.domain) {
      await this.submitter.submit(this.opts.issuer, [Operation.setOptions({homeDomain: this.domain})]);
    }
    this.closeStream = this.submitter.server
      .payments()
      .forAccount(this.opts.issuer.publicKey())
      .cursor("now")
      .stream({
        onmessage: (rec) => void this.onPayment(rec as unknown as Horizon.ServerApi.PaymentOperationRecord).catch((err: unknown) => this.log.warn({err}, "payment not handled")),
        onerror: () => {
          // The SDK reconnects from the last event id by itself; nothing is lost meanwhile.
        },
      });
    this.trustTimer = setInterval(() => void this.retryPendingTrust(), TRUST_POLL_MS);
    this.trustTimer.unref();
    this.log.info({url: this.url, issuer: this.opts.issuer.publicKey()}, "anchor started");
  }

  async stop(): Promise<void> {
    this.closeStream?.();
    this.closeStream = null;
    if (this.trustTimer !== null) clearInterval(this.trustTimer);
    const server = this.server;
    this.server = null;
    if (server !== null) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** SEP-1: what a wallet reads first, from the issuer's home domain. */
  stellarToml(): string {
    const issuer = this.opts.issuer.publicKey();
    return [
      `VERSION="2.7.0"`,
      `NETWORK_PASSPHRASE="${this.submitter?.passphrase ?? ""}"`,
      `TRANSFER_SERVER="${this.url}/sep6"`,
      `ACCOUNTS=["${issuer}"]`,
      ``,
      `[DOCUMENTATION]`,
      `ORG_NAME="Demo ${this.opts.code} anchor"`,
      `ORG_DESCRIPTION="A simulated anchor for demos and tests: deposits and withdrawals are pretended off-ledger."`,
      ``,
      `[[CURRENCIES]]`,
      `code="${this.opts.code}"`,
      `issuer="${issuer}"`,
      `status="test"`,
      `display_decimals=2`,
      `name="${this.opts.description ?? this.opts.code}"`,
      `is_asset_anchored=true`,
      `anchor_asset_type="fiat"`,
      `anchor_asset="${this.opts.code}"`,
      ``,
    ].join("\n");
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const cors = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "*", "Access-Control-Allow-Methods": "GET, OPTIONS"};
    const send = (status: number, body: unknown, type = "application/json; charset=utf-8") => {
      res.writeHead(status, {...cors, "Content-Type": type, "Cache-Control": "no-store"});
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    if (req.method === "OPTIONS") {
      res.writeHead(204, cors);
      res.end();
      return;
    }
    if (req.method !== "GET") return send(405, {error: "only GET is served"});
    const url = new URL(req.url ?? "/", this.url);
    const q = url.searchParams;
    const run = async (): Promise<void> => {
      switch (url.pathname) {
        case "/.well-known/stellar.toml":
          return send(200, this.stellarToml(), "text/plain; charset=utf-8");
        case "/sep6/info":
          return send(200, this.info());
        case "/sep6/deposit":
          return send(200, await this.deposit(q));
        case "/sep6/withdraw":
          return send(200, this.withdraw(q));
        case "/sep6/transaction": {
          const t = this.transfers.get(q.get("id") ?? "");
          if (t === undefined) throw new DemoError("not_found", `no transaction ${JSON.stringify(q.get("id"))}`);
          return send(200, {transaction: t});
        }
        case "/sep6/transactions": {
          this.checkAsset(q);
          const account = q.get("account") ?? "";
          if (!StrKey.isValidEd25519PublicKey(account)) throw new DemoError("bad_request", "account must be a G… account id");
          return send(200, {transactions: this.list(account)});
        }
        default:
          throw new DemoError("not_found", `no route ${url.pathname}`);
      }
    };
    run().catch((err: unknown) => {
      if (err instanceof DemoError) return send(err.code === "not_found" ? 404 : err.code === "bad_request" ? 400 : 502, {error: err.message});
      this.log.error({err}, "anchor request failed");
      send(500, {error: "internal error"});
    });
  }

  private info(): unknown {
    const limits = {min_amount: 0.01, max_amount: Number(MAX_AMOUNT / UNIT), fee_fixed: 0, fee_percent: 0};
    return {
      deposit: {[this.opts.code]: {enabled: true, authentication_required: false, ...limits}},
      withdraw: {
        [this.opts.code]: {enabled: true, authentication_required: false, ...limits, types: {bank_account: {fields: {dest: {description: "bank account number (simulated)", optional: true}}}}},
      },
      fee: {enabled: false},
      transactions: {enabled: true, authentication_required: false},
      transaction: {enabled: true, authentication_required: false},
      features: {account_creation: false, claimable_balances: false},
    };
  }

  private checkAsset(q: URLSearchParams): void {
    if (q.get("asset_code") !== this.opts.code) throw new DemoError("bad_request", `this anchor transfers ${this.opts.code} only, asked for ${JSON.stringify(q.get("asset_code"))}`);
  }

  private newRecord(kind: TransferRecord["kind"], amount: bigint, account: string): TransferRecord {
    const id = `${this.opts.code.toLowerCase()}-${this.nextId++}`;
    const rec: TransferRecord = {
      id,
      kind,
      status: "pending_user_transfer_start",
      amount_in: amountString(amount),
      amount_out: amountString(amount),
      amount_fee: "0.0000000",
      started_at: new Date().toISOString(),
      ...(kind === "deposit" ? {to: account} : {from: account}),
    };
    this.transfers.set(id, rec);
    return rec;
  }

  private async deposit(q: URLSearchParams): Promise<unknown> {
    this.checkAsset(q);
    const account = q.get("account") ?? "";
    if (!StrKey.isValidEd25519PublicKey(account)) throw new DemoError("bad_request", "account must be a G… account id");
    const amount = parseAmount(q.get("amount"));
    const rec = this.newRecord("deposit", amount, account);
    // The pretended fiat transfer has arrived: pay now, or wait for the trustline.
    await this.payDeposit(rec);
    return {
      how: `Simulated: ${amountString(amount)} ${this.opts.code} counts as received by the anchor; it is paid to ${account} once it trusts ${this.opts.code}.`,
      instructions: {},
      id: rec.id,
      eta: 5,
      min_amount: 0.01,
      max_amount: Number(MAX_AMOUNT / UNIT),
      fee_fixed: 0,
      fee_percent: 0,
      extra_info: {message: rec.status === "pending_trust" ? `add a trustline to ${this.opts.code} to receive it` : "paid"},
    };
  }

  private async trusts(account: string): Promise<boolean | null> {
    const s = this.submitter as Submitter;
    try {
      const acc = await s.server.loadAccount(account);
      return acc.balances.some((b) => "asset_code" in b && b.asset_code === this.opts.code && "asset_issuer" in b && b.asset_issuer === this.opts.issuer.publicKey());
    } catch (err) {
      if ((err as {response?: {status?: number}}).response?.status === 404) return null;
      throw err;
    }
  }

  private async payDeposit(rec: TransferRecord): Promise<void> {
    const to = rec.to as string;
    const trusts = await this.trusts(to);
    if (trusts !== true) {
      rec.status = "pending_trust";
      rec.message = trusts === null ? "the account does not exist yet" : `waiting for a trustline to ${this.opts.code}`;
      return;
    }
    rec.status = "pending_stellar";
    delete rec.message;
    try {
      const res = await (this.submitter as Submitter).submit(this.opts.issuer, [Operation.payment({destination: to, asset: this.asset, amount: rec.amount_out})]);
      rec.stellar_transaction_id = res.hash;
      rec.status = "completed";
      rec.completed_at = new Date().toISOString();
      this.log.info({id: rec.id, to, amount: rec.amount_out}, "deposit paid");
    } catch (err) {
      rec.status = "error";
      rec.message = (err as Error).message;
    }
  }

  private retrying = false;

  private async retryPendingTrust(): Promise<void> {
    if (this.retrying) return;
    this.retrying = true;
    try {
      for (const rec of this.transfers.values()) {
        if (rec.kind === "deposit" && rec.status === "pending_trust") await this.payDeposit(rec);
      }
    } catch (err) {
      this.log.warn({err}, "pending deposits not retried");
    } finally {
      this.retrying = false;
    }
  }

  private withdraw(q: URLSearchParams): unknown {
    this.checkAsset(q);
    const type = q.get("type") ?? "bank_account";
    if (type !== "bank_account") throw new DemoError("bad_request", `unsupported withdrawal type ${JSON.stringify(type)}; this anchor pays to bank_account`);
    const account = q.get("account") ?? "";
    if (!StrKey.isValidEd25519PublicKey(account)) throw new DemoError("bad_request", "account must be a G… account id");
    const amount = parseAmount(q.get("amount"));
    const rec = this.newRecord("withdrawal", amount, account);
    // An id memo (uint64) names the withdrawal: unique within a run, and runs start at distinct bases.
    const memo = (this.memoBase + this.nextId).toString();
    rec.withdraw_anchor_account = this.opts.issuer.publicKey();
    rec.withdraw_memo = memo;
    rec.withdraw_memo_type = "id";
    this.memos.set(memo, rec.id);
    return {
      account_id: this.opts.issuer.publicKey(),
      memo_type: "id",
      memo,
      id: rec.id,
      eta: 5,
      min_amount: 0.01,
      max_amount: Number(MAX_AMOUNT / UNIT),
      fee_fixed: 0,
      fee_percent: 0,
      extra_info: {message: `pay ${rec.amount_in} ${this.opts.code} to ${rec.withdraw_anchor_account} with memo id ${memo}`},
    };
  }

  /** A payment into the issuer's account: a withdrawal's burn when its memo names one. */
  private async onPayment(p: Horizon.ServerApi.PaymentOperationRecord): Promise<void> {
    if (p.type !== "payment" && p.type !== "path_payment_strict_send" && p.type !== "path_payment_strict_receive") return;
    const r = p as unknown as {to?: string; from?: string; asset_type: string; asset_code?: string; asset_issuer?: string; amount: string; transaction_hash: string; transaction_successful?: boolean};
    if (r.to !== this.opts.issuer.publicKey() || r.asset_code !== this.opts.code || r.asset_issuer !== this.opts.issuer.publicKey()) return;
    if (r.transaction_successful === false) return;
    const tx = await (this.submitter as Submitter).server.transactions().transaction(r.transaction_hash).call();
    if (tx.memo_type !== "id" || tx.memo === undefined) return;
    const id = this.memos.get(tx.memo);
    const rec = id === undefined ? undefined : this.transfers.get(id);
    if (rec === undefined || rec.status === "completed") return;
    rec.stellar_transaction_id = r.transaction_hash;
    rec.amount_in = r.amount;
    rec.amount_out = r.amount;
    rec.from = r.from ?? rec.from;
    rec.status = "completed";
    rec.completed_at = new Date().toISOString();
    this.log.info({id: rec.id, amount: r.amount}, "withdrawal received; payout simulated");
  }
}
