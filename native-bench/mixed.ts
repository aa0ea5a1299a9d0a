/**
 * The mixed load of issue 6's figures: 50% native payments, 30% offer create / update / cancel by
 * their owners, 20% path payments (strict send and strict receive, half each) between two credit
 * assets through DIAM. The market is set up through ledgers before the load, as users would:
 * an anchor issues USD, EUR and AED; every bench account trusts all three and is paid some of
 * each; a market maker quotes each asset against DIAM both ways with deep offers (the liquidity
 * the path payments cross); each bench account rests a few offers of its own far from the market
 * price, which the load then updates and cancels.
 *
 * Prices are chosen so nothing the load does depends on timing: the maker's quotes never cross
 * each other (1 DIAM per unit one way, 1.02 units per DIAM the other), and the accounts' own
 * offers sit at 2-3x those prices on both sides, so they neither cross each other nor are reached
 * by a path payment while the maker's offers hold (they hold far more than the load takes). Every
 * update and cancel therefore finds its offer, and every pre-signed tx should succeed.
 */
import sodium from "sodium-native";
import {Account, Asset, Keypair, Operation, TimeoutInfinite, TransactionBuilder, xdr, type Transaction} from "@stellar/stellar-base";
import {accountSequence, forEachLimited, type BenchAccount, type PreSigned} from "./e2e.js";
import {BenchError, BenchErrorCode} from "./errors.js";
import {field, getJson, getRecord, pageRecords, postForm, sleep} from "./horizon-http.js";
import {MAX_OPS_PER_TX, type E2eOptions} from "./options.js";
import {prng} from "../test/helpers/prng.js";

/** Share of each kind of tx in the mixed load (issue 6): payments, offer operations, path payments. */
export const MIX = {payments: 0.5, offers: 0.3, pathPayments: 0.2} as const;

/** Credit assets the anchor issues (the brief: two or three). */
const CODES = ["USD", "EUR", "AED"] as const;
/** Units of each asset the anchor pays every bench account before the load. */
const ACCOUNT_CREDIT = "1000";
/** Units the market maker is issued of each asset and offers against DIAM. */
const MAKER_CREDIT = "10000000";
/** DIAM the market maker and the anchor are funded with. */
const MAKER_DIAM = "20000000";
/** Size of one path payment and of one of the accounts' offers, in units. */
const PATH_AMOUNT = "0.1";
const OFFER_AMOUNT = "1";
/** Concurrent submissions and reads while setting up. */
const SETUP_CONCURRENCY = 32;
/** Seed of the mix, so runs compare. */
const MIX_SEED = 66;

export type MixedKind = "payment" | "offer_create" | "offer_update" | "offer_cancel" | "strict_send" | "strict_receive";

export interface MixedPlan {
  /** Kind of tx i (account i mod K). */
  kinds: MixedKind[];
  /** Offers each account must have resting before the load: one it updates, one per cancel. */
  restingPerAccount: number[];
}

/**
 * Which kind each of `count` txs is: drawn from a seeded generator at the mix's shares; each
 * account's offer operations cycle create, update, cancel so the three are a tenth of the load each.
 */
export function planMixed(count: number, accounts: number, seed = MIX_SEED): MixedPlan {
  const rand = prng(seed);
  const kinds: MixedKind[] = [];
  const offerOps = new Array<number>(accounts).fill(0);
  const cancels = new Array<number>(accounts).fill(0);
  let pathToggle = 0;
  for (let i = 0; i < count; i++) {
    const a = i % accounts;
    const r = rand();
    if (r < MIX.payments) kinds.push("payment");
    else if (r < MIX.payments + MIX.offers) {
      const k = offerOps[a]!++ % 3;
      if (k === 2) cancels[a]!++;
      kinds.push(k === 0 ? "offer_create" : k === 1 ? "offer_update" : "offer_cancel");
    } else kinds.push(pathToggle++ % 2 === 0 ? "strict_send" : "strict_receive");
  }
  return {kinds, restingPerAccount: cancels.map((c) => 1 + c)};
}

export interface MixedMarket {
  passphrase: string;
  anchor: Keypair;
  maker: Keypair;
  assets: Asset[];
  /** Per bench account: ids of its resting offers (index 0 is updated, the others cancelled in turn). */
  offerIds: string[][];
}

function setupKeypair(label: string): Keypair {
  const seed = Buffer.alloc(32);
  seed.write(`diamante bench ${label}`.slice(0, 32));
  return Keypair.fromRawEd25519Seed(seed);
}

/** Submits every tx (one source's txs in order), then waits until each is in a ledger and succeeded. */
async function submitAndSettle(baseUrl: string, txs: Transaction[], opts: E2eOptions): Promise<void> {
  const bySource = new Map<string, Transaction[]>();
  for (const tx of txs) {
    const list = bySource.get(tx.source) ?? [];
    list.push(tx);
    bySource.set(tx.source, list);
  }
  await forEachLimited([...bySource.values()], SETUP_CONCURRENCY, async (list) => {
    for (const tx of list) {
      const {status, body} = await postForm(baseUrl, "/transactions_async", {tx: tx.toXDR()});
      if (status !== 201) {
        throw new BenchError(BenchErrorCode.NodeBadResponse, `market setup tx refused: ${status}`, {body: JSON.stringify(body).slice(0, 800)});
      }
    }
  });
  const deadline = Date.now() + opts.commitWaitMs;
  await forEachLimited(txs, SETUP_CONCURRENCY, async (tx) => {
    const hash = tx.hash().toString("hex");
    for (;;) {
      const {status, body} = await getJson(baseUrl, `/transactions/${hash}`);
      if (status === 200) {
        if ((body as {successful?: unknown}).successful !== true) {
          throw new BenchError(BenchErrorCode.NodeBadResponse, `market setup tx ${hash} failed`, {body: JSON.stringify(body).slice(0, 800)});
        }
        return;
      }
      if (Date.now() > deadline) throw new BenchError(BenchErrorCode.WaitTimedOut, `market setup tx ${hash} not committed within ${opts.commitWaitMs} ms`);
      await sleep(100);
    }
  });
}

/** libsodium secret keys by public key: stellar-base's pure-JS signing costs ms per tx on a loaded box. */
const secretKeys = new Map<string, Buffer>();

/** Signs `tx` with libsodium, as stellar-base's tx.sign(kp) would. */
function signFast(tx: Transaction, kp: Keypair): void {
  let sk = secretKeys.get(kp.publicKey());
  if (sk === undefined) {
    sk = Buffer.alloc(sodium.crypto_sign_SECRETKEYBYTES);
    sodium.crypto_sign_seed_keypair(Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES), sk, kp.rawSecretKey());
    secretKeys.set(kp.publicKey(), sk);
  }
  const signature = Buffer.alloc(sodium.crypto_sign_BYTES);
  sodium.crypto_sign_detached(signature, tx.hash(), sk);
  tx.addDecoratedSignature(new xdr.DecoratedSignature({hint: kp.signatureHint(), signature}));
}

function builder(source: Account, passphrase: string, opts: E2eOptions): TransactionBuilder {
  return new TransactionBuilder(source, {fee: String(opts.fee), networkPassphrase: passphrase}).setTimeout(TimeoutInfinite);
}

/** Txs of up to 100 operations from one source. */
function batched(source: Account, signer: Keypair, ops: xdr.Operation[], passphrase: string, opts: E2eOptions): Transaction[] {
  const out: Transaction[] = [];
  for (let i = 0; i < ops.length; i += MAX_OPS_PER_TX) {
    const b = builder(source, passphrase, opts);
    for (const op of ops.slice(i, i + MAX_OPS_PER_TX)) b.addOperation(op);
    const tx = b.build();
    signFast(tx, signer);
    out.push(tx);
  }
  return out;
}

async function loadAccount(baseUrl: string, kp: Keypair): Promise<Account> {
  const seq = await accountSequence(baseUrl, kp.publicKey());
  if (seq === undefined) throw new BenchError(BenchErrorCode.NodeBadResponse, `account ${kp.publicKey()} does not exist`);
  return new Account(kp.publicKey(), seq);
}

/** An account's own resting offer: far from the maker's price, alternating sides by index. */
function ownOffer(i: number, asset: Asset, offerId: string, variant: number): xdr.Operation {
  // Selling credit for DIAM at 2-3 DIAM a unit, or DIAM for credit at 2-3 units a DIAM.
  const price = {n: 200 + (variant % 100), d: 100};
  return i % 2 === 0
    ? Operation.manageSellOffer({selling: asset, buying: Asset.native(), amount: OFFER_AMOUNT, price, offerId})
    : Operation.manageSellOffer({selling: Asset.native(), buying: asset, amount: OFFER_AMOUNT, price, offerId});
}

/**
 * Sets the market up through ledgers (see the module comment) for `accounts`, already funded, and
 * reads back their resting offers' ids and their sequence numbers.
 */
export async function setupMarket(baseUrl: string, passphrase: string, accounts: BenchAccount[], plan: MixedPlan, opts: E2eOptions): Promise<MixedMarket> {
  const anchor = setupKeypair("anchor");
  const maker = setupKeypair("market maker");
  const assets = CODES.map((c) => new Asset(c, anchor.publicKey()));
  const root = Keypair.master(passphrase);
  const rootAccount = await loadAccount(baseUrl, root);
  await submitAndSettle(
    baseUrl,
    batched(rootAccount, root, [anchor, maker].map((k) => Operation.createAccount({destination: k.publicKey(), startingBalance: MAKER_DIAM})), passphrase, opts),
    opts,
  );
  const anchorAccount = await loadAccount(baseUrl, anchor);
  const makerAccount = await loadAccount(baseUrl, maker);
  const sources = accounts.map((a) => new Account(a.keypair.publicKey(), a.sequence));

  // Ledger 1: every trustline.
  const trust = batched(makerAccount, maker, assets.map((asset) => Operation.changeTrust({asset})), passphrase, opts);
  accounts.forEach((a, i) => trust.push(...batched(sources[i]!, a.keypair, assets.map((asset) => Operation.changeTrust({asset})), passphrase, opts)));
  await submitAndSettle(baseUrl, trust, opts);

  // Ledger 2: the anchor issues credit to the maker and to every account.
  const issue: xdr.Operation[] = assets.map((asset) => Operation.payment({destination: maker.publicKey(), asset, amount: MAKER_CREDIT}));
  for (const a of accounts) for (const asset of assets) issue.push(Operation.payment({destination: a.keypair.publicKey(), asset, amount: ACCOUNT_CREDIT}));
  await submitAndSettle(baseUrl, batched(anchorAccount, anchor, issue, passphrase, opts), opts);

  // Ledger 3: the maker's quotes, and each account's resting offers.
  const quotes: xdr.Operation[] = [];
  for (const asset of assets) {
    // Sells the asset at 1 DIAM a unit, and DIAM at 1.02 units a DIAM: 1 × 1.02 > 1, no cross.
    quotes.push(Operation.manageSellOffer({selling: asset, buying: Asset.native(), amount: "5000000", price: {n: 1, d: 1}}));
    quotes.push(Operation.manageSellOffer({selling: Asset.native(), buying: asset, amount: "5000000", price: {n: 102, d: 100}}));
  }
  const resting = batched(makerAccount, maker, quotes, passphrase, opts);
  accounts.forEach((a, i) => {
    const ops = Array.from({length: plan.restingPerAccount[i] ?? 1}, (_, k) => ownOffer(i + k, assets[(i + k) % assets.length]!, "0", k));
    resting.push(...batched(sources[i]!, a.keypair, ops, passphrase, opts));
  });
  await submitAndSettle(baseUrl, resting, opts);

  const offerIds: string[][] = accounts.map(() => []);
  await forEachLimited(accounts, SETUP_CONCURRENCY, async (a, i) => {
    const page = await getRecord(baseUrl, `/accounts/${a.keypair.publicKey()}/offers?order=asc&limit=200`);
    offerIds[i] = pageRecords(page, "account offers").map((r) => field(r, "id", "offer"));
    const seq = await accountSequence(baseUrl, a.keypair.publicKey());
    if (seq === undefined) throw new BenchError(BenchErrorCode.NodeBadResponse, `account ${a.keypair.publicKey()} vanished`);
    a.sequence = seq;
  });
  return {passphrase, anchor, maker, assets, offerIds};
}

/**
 * Pre-signs the mixed load round-robin over the accounts (tx i from account i mod K, as the
 * payment load), each kind as `plan` says.
 */
export function preSignMixed(market: MixedMarket, accounts: BenchAccount[], plan: MixedPlan, opts: E2eOptions): PreSigned {
  const sources = accounts.map((a) => new Account(a.keypair.publicKey(), a.sequence));
  const offerOps = new Array<number>(accounts.length).fill(0);
  const bodies: string[] = [];
  const hashes: string[] = [];
  const {assets} = market;
  for (let i = 0; i < plan.kinds.length; i++) {
    const a = i % accounts.length;
    const kind = plan.kinds[i]!;
    const dest = accounts[(a + 1) % accounts.length]!.keypair.publicKey();
    const from = assets[i % assets.length]!;
    const to = assets[(i + 1) % assets.length]!;
    let op: xdr.Operation;
    switch (kind) {
      case "payment":
        op = Operation.payment({destination: dest, asset: Asset.native(), amount: "0.0000001"});
        break;
      case "strict_send":
        op = Operation.pathPaymentStrictSend({sendAsset: from, sendAmount: PATH_AMOUNT, destination: dest, destAsset: to, destMin: "0.0000001", path: [Asset.native()]});
        break;
      case "strict_receive":
        op = Operation.pathPaymentStrictReceive({sendAsset: from, sendMax: "1", destination: dest, destAsset: to, destAmount: PATH_AMOUNT, path: [Asset.native()]});
        break;
      default: {
        const k = offerOps[a]!++;
        const ids = market.offerIds[a]!;
        const asset = assets[(a + k) % assets.length]!;
        if (kind === "offer_create") op = ownOffer(a + k, asset, "0", k);
        else if (kind === "offer_update") {
          // The account's first resting offer, re-priced: its assets must stay those it was made with.
          op = ownOffer(a, assets[a % assets.length]!, ids[0]!, k + 1);
        } else {
          const cancelNo = Math.floor(k / 3);
          const target = ids[1 + cancelNo];
          if (target === undefined) throw new BenchError(BenchErrorCode.SanityCheckFailed, `account ${a} has no resting offer left to cancel`);
          const r = 1 + cancelNo;
          // A cancel names the offer's own assets (stellar-core checks them) with amount 0.
          op = (a + r) % 2 === 0
            ? Operation.manageSellOffer({selling: assets[(a + r) % assets.length]!, buying: Asset.native(), amount: "0", price: "1", offerId: target})
            : Operation.manageSellOffer({selling: Asset.native(), buying: assets[(a + r) % assets.length]!, amount: "0", price: "1", offerId: target});
        }
      }
    }
    const tx = builder(sources[a]!, market.passphrase, opts).addOperation(op).build();
    signFast(tx, accounts[a]!.keypair);
    bodies.push(`tx=${encodeURIComponent(tx.toXDR())}`);
    hashes.push(tx.hash().toString("hex"));
  }
  return {bodies, hashes};
}
