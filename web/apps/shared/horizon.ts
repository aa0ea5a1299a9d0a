/**
 * The apps' view of the node: the Horizon API of the page's own origin, driven by the public
 * @stellar/stellar-sdk as any Stellar wallet would. Keys stay in the page: transactions are built
 * and signed here and only the signed envelope is sent.
 */
import {Asset, Horizon, Keypair, Memo, TransactionBuilder, type xdr} from "@stellar/stellar-sdk";

/**
 * Upper time bound of a transaction, counted from the latest ledger's close time. With short
 * close intervals the ledger clock runs ahead of the wall clock, so `Date.now()` would make
 * transactions expire before they are even submitted.
 */
const TX_LIFETIME_S = 120;

/** What a failed submission said, as Horizon's result codes and a sentence for the user. */
export class SubmitError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly transactionCode?: string,
    readonly operationCodes: string[] = []
  ) {
    super(message);
  }
}

/** Result codes in words (stellar-core's meanings). */
const OP_MESSAGES: Record<string, string> = {
  op_underfunded: "not enough funds (balance minus reserve and open offers)",
  op_no_trust: "the receiver has no trustline for this asset",
  op_not_authorized: "the issuer has not authorised this trustline",
  op_line_full: "the receiver's trustline limit would be exceeded",
  op_no_destination: "the receiving account does not exist",
  op_no_issuer: "the asset's issuer does not exist",
  op_src_no_trust: "you have no trustline for the asset you are sending",
  op_src_not_authorized: "the issuer has not authorised your trustline",
  op_under_dest_min: "the rate moved: the receiver would get less than the slippage allows; quote again",
  op_over_source_max: "the rate moved: this would cost more than the slippage allows; quote again",
  op_too_few_offers: "no longer enough offers on the path to convert this amount; quote again",
  op_offer_cross_self: "the path would trade against your own offer",
  op_low_reserve: "not enough DIAM for the reserve of a new entry (0.5 DIAM each)",
  op_invalid_limit: "the limit is below the current balance",
  op_malformed: "the operation is malformed",
  op_no_account: "the account does not exist",
  op_exceeded_work_limit: "the path crosses too many offers",
  op_cannot_remove_trustline: "the trustline still holds a balance or offers",
};

const TX_MESSAGES: Record<string, string> = {
  tx_bad_seq: "the account's sequence number moved (another transaction went first); try again",
  tx_insufficient_balance: "not enough DIAM to pay the fee",
  tx_insufficient_fee: "the fee is below the network's minimum",
  tx_too_late: "the transaction expired before a ledger included it; try again",
  tx_no_account: "the sending account does not exist (fund it first)",
  tx_bad_auth: "the signature does not authorise this account",
};

interface HorizonProblem {
  response?: {status?: number; data?: {title?: string; detail?: string; extras?: {result_codes?: {transaction?: string; operations?: string[]}}}};
}

/** Turns whatever the SDK threw while submitting into a SubmitError with the codes. */
export function submitErrorOf(err: unknown): SubmitError {
  const data = (err as HorizonProblem).response?.data;
  const codes = data?.extras?.result_codes;
  if (codes !== undefined) {
    const ops = (codes.operations ?? []).filter((c) => c !== "op_success");
    const first = ops[0];
    const tx = codes.transaction ?? "tx_failed";
    if (first !== undefined) return new SubmitError(`${first}: ${OP_MESSAGES[first] ?? "the operation failed"}`, first, tx, ops);
    return new SubmitError(`${tx}: ${TX_MESSAGES[tx] ?? "the transaction failed"}`, tx, tx, []);
  }
  if (data?.title !== undefined) return new SubmitError(`${data.title}${data.detail ? ": " + data.detail : ""}`, "http_" + String((err as HorizonProblem).response?.status ?? 0));
  return new SubmitError(err instanceof Error ? err.message : String(err), "network");
}

/** "native" or "CODE:ISSUER". */
export function assetKey(a: Asset): string {
  return a.isNative() ? "native" : `${a.getCode()}:${a.getIssuer()}`;
}

/** The inverse of assetKey; throws on a malformed key. */
export function assetFromKey(key: string): Asset {
  if (key === "native" || key === "DIAM") return Asset.native();
  const m = /^([A-Za-z0-9]{1,12}):(G[A-Z2-7]{55})$/.exec(key.trim());
  if (m === null) throw new Error(`"${key}" is not an asset (CODE:ISSUER or native)`);
  return new Asset(m[1] ?? "", m[2] ?? "");
}

/** Display name: DIAM for the native asset, the code otherwise. */
export function assetLabel(a: Asset | string): string {
  const asset = typeof a === "string" ? assetFromKey(a) : a;
  return asset.isNative() ? "DIAM" : asset.getCode();
}

/** The asset of a Horizon record's `asset_type/asset_code/asset_issuer` fields. */
export function assetOfRecord(r: {asset_type: string; asset_code?: string; asset_issuer?: string}): Asset {
  return r.asset_type === "native" ? Asset.native() : new Asset(r.asset_code ?? "", r.asset_issuer ?? "");
}

/** A shortened account id for tables: GABC…WXYZ. */
export function shortKey(k: string): string {
  return k.length > 12 ? `${k.slice(0, 4)}…${k.slice(-4)}` : k;
}

export class Chain {
  private constructor(
    readonly server: Horizon.Server,
    readonly url: string,
    readonly passphrase: string,
    readonly baseFee: string
  ) {}

  /** Connects to the node at `url` (the page's origin): passphrase and base fee come from it. */
  static async connect(url: string): Promise<Chain> {
    const res = await fetch(url + "/");
    if (!res.ok) throw new Error(`the node at ${url} answered ${res.status}`);
    const root = (await res.json()) as {network_passphrase: string};
    const server = new Horizon.Server(url, {allowHttp: url.startsWith("http:")});
    let fee = "100";
    try {
      const stats = await server.feeStats();
      fee = stats.last_ledger_base_fee;
    } catch {
      // /fee_stats is optional for this client: the protocol's minimum of 100 stroops is used.
    }
    return new Chain(server, url, root.network_passphrase, fee);
  }

  /** The latest ledger's close time (unix seconds): the ledger's clock, not the page's. */
  async ledgerTime(): Promise<number> {
    const page = await this.server.ledgers().order("desc").limit(1).call();
    const rec = page.records[0];
    if (rec === undefined) throw new Error("the node has no ledger yet");
    return Math.floor(Date.parse(rec.closed_at) / 1000);
  }

  async account(id: string): Promise<Horizon.AccountResponse | null> {
    try {
      return await this.server.loadAccount(id);
    } catch (err) {
      if ((err as HorizonProblem).response?.status === 404) return null;
      throw err;
    }
  }

  /** Builds, signs and submits a transaction of `ops` from `signer`; throws a SubmitError. */
  async submit(signer: Keypair, ops: xdr.Operation[], memo?: Memo): Promise<Horizon.HorizonApi.SubmitTransactionResponse> {
    let source: Horizon.AccountResponse;
    try {
      source = await this.server.loadAccount(signer.publicKey());
    } catch (err) {
      if ((err as HorizonProblem).response?.status === 404) throw new SubmitError("tx_no_account: " + TX_MESSAGES["tx_no_account"], "tx_no_account");
      throw submitErrorOf(err);
    }
    const now = await this.ledgerTime();
    const b = new TransactionBuilder(source, {fee: this.baseFee, networkPassphrase: this.passphrase, timebounds: {minTime: 0, maxTime: now + TX_LIFETIME_S}});
    for (const op of ops) b.addOperation(op);
    if (memo !== undefined) b.addMemo(memo);
    const tx = b.build();
    tx.sign(signer);
    try {
      return await this.server.submitTransaction(tx, {skipMemoRequiredCheck: true});
    } catch (err) {
      throw submitErrorOf(err);
    }
  }
}
