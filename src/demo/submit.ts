/**
 * Submitting from node-side scripts (the demo anchor, the demo seeding) with the public SDK, one
 * transaction at a time per source account so sequence numbers never race.
 */
import {Horizon, Keypair, Memo, TransactionBuilder, type xdr} from "@stellar/stellar-sdk";
import {DemoError} from "./errors.js";

/**
 * Upper time bound, counted from the latest ledger's close time: with short close intervals the
 * ledger clock runs ahead of the wall clock, so a bound from Date.now() could already be past.
 */
const TX_LIFETIME_S = 120;

interface HorizonProblem {
  response?: {status?: number; data?: {title?: string; extras?: {result_codes?: unknown}}};
}

export function resultCodesOf(err: unknown): string {
  const data = (err as HorizonProblem).response?.data;
  if (data?.extras?.result_codes !== undefined) return JSON.stringify(data.extras.result_codes);
  return data?.title ?? (err instanceof Error ? err.message : String(err));
}

export class Submitter {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    readonly server: Horizon.Server,
    readonly passphrase: string,
    private readonly fee = "100"
  ) {}

  /** Connects to the node at `url`: the passphrase and base fee come from the node. */
  static async connect(url: string): Promise<Submitter> {
    let passphrase: string;
    try {
      const res = await fetch(url + "/");
      passphrase = ((await res.json()) as {network_passphrase: string}).network_passphrase;
    } catch (err) {
      throw new DemoError("node_unavailable", `no node answers at ${url}: ${(err as Error).message}`, {url});
    }
    const server = new Horizon.Server(url, {allowHttp: url.startsWith("http:")});
    const stats = await server.feeStats().catch(() => undefined);
    return new Submitter(server, passphrase, stats?.last_ledger_base_fee ?? "100");
  }

  async ledgerTime(): Promise<number> {
    const page = await this.server.ledgers().order("desc").limit(1).call();
    const rec = page.records[0];
    if (rec === undefined) throw new DemoError("node_unavailable", "the node has no ledger");
    return Math.floor(Date.parse(rec.closed_at) / 1000);
  }

  /** Signs with `signer` (the source) and any `extra` signers; queued per source account. */
  submit(signer: Keypair, ops: xdr.Operation[], opts: {memo?: Memo; extra?: Keypair[]} = {}): Promise<Horizon.HorizonApi.SubmitTransactionResponse> {
    const key = signer.publicKey();
    const run = (this.queues.get(key) ?? Promise.resolve()).catch(() => undefined).then(() => this.submitNow(signer, ops, opts));
    this.queues.set(key, run);
    return run;
  }

  private async submitNow(signer: Keypair, ops: xdr.Operation[], opts: {memo?: Memo; extra?: Keypair[]}): Promise<Horizon.HorizonApi.SubmitTransactionResponse> {
    const source = await this.server.loadAccount(signer.publicKey());
    const now = await this.ledgerTime();
    const b = new TransactionBuilder(source, {fee: this.fee, networkPassphrase: this.passphrase, timebounds: {minTime: 0, maxTime: now + TX_LIFETIME_S}});
    for (const op of ops) b.addOperation(op);
    if (opts.memo !== undefined) b.addMemo(opts.memo);
    const tx = b.build();
    tx.sign(signer, ...(opts.extra ?? []));
    try {
      return await this.server.submitTransaction(tx, {skipMemoRequiredCheck: true});
    } catch (err) {
      throw new DemoError("submit_failed", `transaction from ${signer.publicKey()} failed: ${resultCodesOf(err)}`, {source: signer.publicKey()});
    }
  }
}
