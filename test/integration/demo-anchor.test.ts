/**
 * The simulated anchor (src/demo/anchor.ts) over HTTP against a node started here: its issuer's
 * home_domain points at it, stellar.toml and the SEP-6 style answers, CORS, refusals of bad
 * requests that change nothing, a deposit waiting in pending_trust until the trustline appears,
 * and a withdrawal completed only by a payment back to the issuer carrying its memo.
 */
import {after, before, describe, it} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Memo, Operation, StellarToml} from "@stellar/stellar-sdk";
import {startNode, waitFor, type RunningNode} from "../helpers/node.js";
import {Anchor} from "../../src/demo/anchor.js";
import {Submitter} from "../../src/demo/submit.js";

describe("demo anchor", () => {
  let n: RunningNode;
  let anchor: Anchor;
  let s: Submitter;
  const issuer = Keypair.random();
  const user = Keypair.random();
  let usd: Asset;

  async function get(path: string): Promise<{status: number; body: Record<string, unknown>; headers: Headers}> {
    const res = await fetch(anchor.url + path);
    return {status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers};
  }

  async function usdBalance(): Promise<string | undefined> {
    const acc = await n.server.loadAccount(user.publicKey());
    return acc.balances.find((b) => "asset_code" in b && b.asset_code === "USD")?.balance;
  }

  before(async () => {
    n = await startNode();
    s = await Submitter.connect(n.url);
    await Promise.all([issuer, user].map((k) => n.server.friendbot(k.publicKey()).call()));
    anchor = new Anchor({nodeUrl: n.url, issuer, code: "USD"});
    await anchor.start();
    usd = anchor.asset;
  });
  after(async () => {
    await anchor?.stop();
    await n?.stop();
  });

  it("is found from the issuer's home_domain and serves stellar.toml with CORS", async () => {
    const acc = await n.server.loadAccount(issuer.publicKey());
    assert.equal(acc.home_domain, anchor.domain);
    assert.match(anchor.domain, /^127\.0\.0\.1:\d+$/);
    const toml = await StellarToml.Resolver.resolve(anchor.domain, {allowHttp: true});
    assert.equal(toml.TRANSFER_SERVER, `${anchor.url}/sep6`);
    assert.deepEqual(toml.ACCOUNTS, [issuer.publicKey()]);
    assert.equal(toml.CURRENCIES?.[0]?.code, "USD");
    const res = await fetch(`${anchor.url}/.well-known/stellar.toml`);
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    const pre = await fetch(`${anchor.url}/sep6/deposit`, {method: "OPTIONS"});
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-origin"), "*");
    const info = await get("/sep6/info");
    assert.equal((info.body["deposit"] as Record<string, {enabled: boolean}>)["USD"]?.enabled, true);
  });

  it("refuses bad requests with a SEP-6 error and records nothing", async () => {
    const bad: [string, number, RegExp][] = [
      [`/sep6/deposit?asset_code=EUR&account=${user.publicKey()}&amount=1`, 400, /USD only/],
      [`/sep6/deposit?asset_code=USD&account=GNOTANACCOUNT&amount=1`, 400, /account/],
      [`/sep6/deposit?asset_code=USD&account=${user.publicKey()}&amount=1.00000001`, 400, /7 decimals/],
      [`/sep6/deposit?asset_code=USD&account=${user.publicKey()}&amount=0`, 400, /more than zero/],
      [`/sep6/deposit?asset_code=USD&account=${user.publicKey()}&amount=1000001`, 400, /limit/],
      [`/sep6/withdraw?asset_code=USD&type=cash&account=${user.publicKey()}&amount=1`, 400, /bank_account/],
      [`/sep6/transaction?id=usd-999`, 404, /no transaction/],
      [`/nowhere`, 404, /no route/],
    ];
    for (const [path, status, message] of bad) {
      const r = await get(path);
      assert.equal(r.status, status, path);
      assert.match(String(r.body["error"]), message, path);
    }
    assert.deepEqual(anchor.list(), []);
    assert.equal(await usdBalance(), undefined);
  });

  it("pays a deposit once the account trusts the asset", async () => {
    const r = await get(`/sep6/deposit?asset_code=USD&account=${user.publicKey()}&amount=75.5`);
    assert.equal(r.status, 200);
    const id = String(r.body["id"]);
    assert.equal((await get(`/sep6/transaction?id=${id}`)).body["transaction"] !== undefined, true);
    assert.equal(anchor.transfer(id)?.status, "pending_trust");
    await s.submit(user, [Operation.changeTrust({asset: usd})]);
    await waitFor(() => (anchor.transfer(id)?.status === "completed" ? true : undefined), 60_000, "the deposit");
    assert.equal(await usdBalance(), "75.5000000");
    const t = (await get(`/sep6/transaction?id=${id}`)).body["transaction"] as {status: string; stellar_transaction_id: string; amount_out: string};
    assert.equal(t.status, "completed");
    assert.equal(t.amount_out, "75.5000000");
    const tx = await n.server.transactions().transaction(t.stellar_transaction_id).call();
    assert.equal(tx.source_account, issuer.publicKey());
  });

  it("completes a withdrawal only when the payment back carries its memo", async () => {
    const r = await get(`/sep6/withdraw?asset_code=USD&type=bank_account&account=${user.publicKey()}&amount=25`);
    assert.equal(r.status, 200);
    assert.equal(r.body["account_id"], issuer.publicKey());
    assert.equal(r.body["memo_type"], "id");
    const id = String(r.body["id"]);
    const memo = String(r.body["memo"]);
    // A payment to the issuer without the memo is a burn the anchor cannot attribute: nothing completes.
    await s.submit(user, [Operation.payment({destination: issuer.publicKey(), asset: usd, amount: "1"})], {memo: Memo.id("7")});
    await s.submit(user, [Operation.payment({destination: issuer.publicKey(), asset: usd, amount: "25"})], {memo: Memo.id(memo)});
    await waitFor(() => (anchor.transfer(id)?.status === "completed" ? true : undefined), 60_000, "the withdrawal");
    const t = anchor.transfer(id);
    assert.equal(t?.amount_in, "25.0000000");
    assert.equal(t?.from, user.publicKey());
    assert.equal(await usdBalance(), "49.5000000");
    const listed = (await get(`/sep6/transactions?asset_code=USD&account=${user.publicKey()}`)).body["transactions"] as {id: string}[];
    assert.deepEqual(listed.map((x) => x.id).sort(), ["usd-1", "usd-2"]);
  });
});
