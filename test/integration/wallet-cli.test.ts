/**
 * `diamante wallet` against a node started by the test: create, import, list, fund (friendbot),
 * trust, pay across currencies through a path (USD → DIAM → AED, with an issuer per currency and
 * a market maker set up with the SDK), history and watch, every command with --json parsed.
 * A proxy in front of the node drops or delays submissions to show the safe retries: the same
 * envelope on a timeout, one rebuild on tx_bad_seq. Keystores use small KDF params
 * (--kdf-opslimit 1 --kdf-memlimit 8388608) to keep the test fast; the defaults are unchanged.
 */
import {after, before, describe, it} from "node:test";
import assert from "node:assert/strict";
import {execFile, spawn} from "node:child_process";
import {createServer, type IncomingMessage, type Server} from "node:http";
import {readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import {Asset, Keypair, Operation, TransactionBuilder, type xdr} from "@stellar/stellar-sdk";
import {startNode, tempDir, type RunningNode} from "../helpers/node.js";
import {passphraseOf} from "../helpers/market.js";

const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const PASSWORD = "wallet test password";
const SMALL_KDF = ["--kdf-opslimit", "1", "--kdf-memlimit", String(8 * 1024 * 1024)];

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** Runs the CLI asynchronously (the node runs in this process and must keep closing ledgers). */
function wallet(args: string[], opts: {stdin?: string; env?: Record<string, string | undefined>} = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, "wallet", ...args],
      {env: {...process.env, DIAMANTE_WALLET_PASSWORD: PASSWORD, ...opts.env}, timeout: 120_000, encoding: "utf8"},
      (err, out, errOut) => resolve({code: err ? ((err as {code?: number}).code ?? 1) : 0, out, err: errOut}),
    );
    child.stdin?.end(opts.stdin ?? "");
  });
}

function json<T = Record<string, unknown>>(r: Run): T {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.err}`);
  return JSON.parse(r.out) as T;
}

function errorOf(r: Run): {code: string; message: string; meta?: Record<string, unknown>} {
  return (JSON.parse(r.err) as {error: {code: string; message: string; meta?: Record<string, unknown>}}).error;
}

/** Forwards everything to the node; `onSubmit` may answer a POST /transactions itself. */
class Proxy {
  server: Server;
  url = "";
  requests = 0;
  submissions: string[] = [];
  onSubmit: ((body: string, n: number) => Promise<{status: number; body: unknown} | "forward" | "forward-then-504">) | null = null;
  /** May answer a GET itself (return null to forward it). */
  onGet: ((url: string) => {status: number; body: unknown} | null) | null = null;

  constructor(private readonly target: string) {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        ({status, headers, body}) => {
          res.writeHead(status, headers);
          res.end(body);
        },
        (e: unknown) => {
          res.writeHead(502);
          res.end(String(e));
        },
      );
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    const addr = this.server.address();
    this.url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  }

  private async handle(req: IncomingMessage): Promise<{status: number; headers: Record<string, string>; body: Buffer | string}> {
    this.requests++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (req.method === "POST" && req.url?.startsWith("/transactions")) {
      this.submissions.push(body.toString());
      const action = this.onSubmit ? await this.onSubmit(body.toString(), this.submissions.length) : "forward";
      if (typeof action === "object") return {status: action.status, headers: {"content-type": "application/problem+json"}, body: JSON.stringify(action.body)};
      const r = await this.forward(req, body);
      if (action === "forward-then-504") return {status: 504, headers: {"content-type": "application/problem+json"}, body: JSON.stringify({status: 504, title: "Timeout"})};
      return r;
    }
    const own = req.method === "GET" && this.onGet ? this.onGet(req.url ?? "") : null;
    if (own) return {status: own.status, headers: {"content-type": "application/problem+json"}, body: JSON.stringify(own.body)};
    return this.forward(req, body);
  }

  private async forward(req: IncomingMessage, body: Buffer) {
    const res = await fetch(this.target + req.url, {
      method: req.method,
      headers: {"content-type": req.headers["content-type"] ?? "application/json", accept: req.headers.accept ?? "*/*"},
      ...(req.method === "POST" ? {body} : {}),
    });
    return {status: res.status, headers: {"content-type": res.headers.get("content-type") ?? "application/json"}, body: Buffer.from(await res.arrayBuffer())};
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

describe("diamante wallet", () => {
  let node: RunningNode;
  let proxy: Proxy;
  const dir = tempDir("diamante-wallet-");
  const ks = join(dir, "keystore");
  const usdAnchor = Keypair.random();
  const aedAnchor = Keypair.random();
  const maker = Keypair.random();
  const carol = Keypair.random();
  const USD = new Asset("USD", usdAnchor.publicKey());
  const AED = new Asset("AED", aedAnchor.publicKey());
  const usd = `USD:${usdAnchor.publicKey()}`;
  const aed = `AED:${aedAnchor.publicKey()}`;
  let passphrase = "";
  let alice = "";
  let bob = "";
  const base = () => ["--node", node.url, "--keystore-dir", ks, "--json"];
  const viaProxy = () => ["--node", proxy.url, "--keystore-dir", ks, "--json"];

  async function submit(signer: Keypair, ...ops: xdr.Operation[]) {
    const src = await node.server.loadAccount(signer.publicKey());
    const b = new TransactionBuilder(src, {fee: "100", networkPassphrase: passphrase});
    for (const op of ops) b.addOperation(op);
    const tx = b.setTimeout(0).build();
    tx.sign(signer);
    return node.server.submitTransaction(tx, {skipMemoRequiredCheck: true});
  }

  /** Balances read with the SDK (in-process, fast); the CLI's own `balance` is tested once. */
  async function balanceOf(account: string, asset: string): Promise<string | undefined> {
    const acc = await node.server.loadAccount(account);
    for (const b of acc.balances) {
      const key = b.asset_type === "native" ? "native" : "asset_code" in b ? `${b.asset_code}:${b.asset_issuer}` : "";
      if (key === asset) return b.balance;
    }
    return undefined;
  }

  before(async () => {
    node = await startNode({});
    passphrase = await passphraseOf(node);
    proxy = new Proxy(node.url);
    await proxy.start();
    for (const k of [usdAnchor, aedAnchor, maker]) await node.server.friendbot(k.publicKey()).call();
    // The market maker bridges USD and AED through DIAM: it buys USD for DIAM at 1 USD = 10 DIAM
    // and sells AED for DIAM at 1 DIAM = 0.4 AED.
    await submit(maker, Operation.changeTrust({asset: USD}), Operation.changeTrust({asset: AED}));
    await submit(aedAnchor, Operation.payment({destination: maker.publicKey(), asset: AED, amount: "10000"}));
    await submit(
      maker,
      Operation.manageSellOffer({selling: Asset.native(), buying: USD, amount: "5000", price: "0.1"}),
      Operation.manageSellOffer({selling: AED, buying: Asset.native(), amount: "1000", price: "2.5"}),
    );
  });

  after(async () => {
    await proxy?.stop();
    await node?.stop();
    rmSync(dir, {recursive: true, force: true});
  });

  it("creates a key keystore and a mnemonic keystore, and lists both without a password", async () => {
    const a = json<{name: string; kind: string; public_key: string; file: string; mnemonic?: string}>(await wallet(["create", "--name", "alice", ...SMALL_KDF, ...base()]));
    assert.equal(a.kind, "key");
    assert.match(a.public_key, /^G[A-Z2-7]{55}$/);
    assert.equal(a.mnemonic, undefined);
    alice = a.public_key;
    assert.equal(statSync(a.file).mode & 0o777, 0o600);
    const file = JSON.parse(readFileSync(a.file, "utf8")) as {kdf: {opslimit: number; memlimit: number}; public_key: string};
    assert.deepEqual([file.kdf.opslimit, file.kdf.memlimit, file.public_key], [1, 8 * 1024 * 1024, alice]);

    const b = json<{kind: string; public_key: string; account_index: number; mnemonic: string}>(await wallet(["create", "--name", "bob", "--mnemonic", "--show-mnemonic", ...SMALL_KDF, ...base()]));
    assert.equal(b.kind, "mnemonic");
    assert.equal(b.account_index, 0);
    assert.equal(b.mnemonic.split(" ").length, 24);
    bob = b.public_key;

    const again = await wallet(["create", "--name", "alice", ...SMALL_KDF, ...base()]);
    assert.equal(again.code, 1);
    assert.equal(errorOf(again).code, "keystore_exists");

    const list = json<{keystores: {name: string; kind: string; public_key: string}[]}>(await wallet(["list", ...base()], {env: {DIAMANTE_WALLET_PASSWORD: undefined}}));
    assert.deepEqual(list.keystores.map((k) => [k.name, k.kind, k.public_key]), [
      ["alice", "key", alice],
      ["bob", "mnemonic", bob],
    ]);
  });

  it("imports a secret key from stdin, never from argv", async () => {
    const r = json<{public_key: string; kind: string}>(await wallet(["import", "--name", "carol", ...SMALL_KDF, ...base()], {stdin: carol.secret() + "\n"}));
    assert.deepEqual([r.kind, r.public_key], ["key", carol.publicKey()]);
    const argv = await wallet(["import", carol.secret(), "--name", "carol2", ...base()]);
    assert.equal(argv.code, 2);
    assert.ok(!argv.err.includes(carol.secret()), "the secret is echoed back");
    const bad = await wallet(["import", "--name", "carol3", ...SMALL_KDF, ...base()], {stdin: "not a secret\n"});
    assert.equal(bad.code, 2);
    assert.equal(errorOf(bad).code, "usage");
    // SEP-0005 test 5, account 1 (stellar-protocol ecosystem/sep-0005.md).
    const hd = json<{public_key: string; kind: string; account_index: number}>(
      await wallet(["import", "--name", "dora", "--account-index", "1", ...SMALL_KDF, ...base()], {
        stdin: "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about\n",
      }),
    );
    assert.deepEqual([hd.kind, hd.account_index, hd.public_key], ["mnemonic", 1, "GDVSYYTUAJ3ACHTPQNSTQBDQ4LDHQCMNY4FCEQH5TJUMSSLWQSTG42MV"]);
    // A damaged file is listed with its error; the others still are.
    writeFileSync(join(ks, "broken.json"), readFileSync(join(ks, "alice.json"), "utf8").slice(0, 100));
    const list = json<{keystores: {file: string; name?: string; error?: {code: string}}[]}>(await wallet(["list", ...base()]));
    assert.deepEqual(
      list.keystores.map((k) => [k.file, k.name ?? k.error?.code]),
      [
        ["alice.json", "alice"],
        ["bob.json", "bob"],
        ["broken.json", "truncated"],
        ["carol.json", "carol"],
        ["dora.json", "dora"],
      ],
    );
  });

  it("funds the accounts with friendbot", async () => {
    for (const name of ["alice", "bob", "carol"]) {
      const r = json<{hash: string; public_key: string}>(await wallet(["fund", "--name", name, ...base()]));
      assert.match(r.hash, /^[0-9a-f]{64}$/);
    }
    const b = json<{public_key: string; balances: {asset: string; balance: string}[]}>(await wallet(["balance", "--name", "alice", ...base()]));
    assert.deepEqual([b.public_key, b.balances], [alice, [{asset: "native", balance: "10000.0000000"}]]);
  });

  it("adds trustlines and pays USD that arrives as AED through the market maker's path", async () => {
    const t1 = json<{hash: string; asset: string}>(await wallet(["trust", usd, "--name", "alice", ...base()]));
    assert.equal(t1.asset, usd);
    json(await wallet(["trust", aed, "--name", "bob", "--limit", "5000", ...base()]));
    await submit(usdAnchor, Operation.payment({destination: alice, asset: USD, amount: "100"}));
    assert.equal(await balanceOf(alice, usd), "100.0000000");

    const r = json<{quote: string; dest_min: string; path: string[]; hash: string; ledger: number}>(
      await wallet(["pay", "--name", "alice", "--to", bob, "--amount", "10", "--asset", usd, "--receive-asset", aed, "--max-slippage", "2", ...base()]),
    );
    // 10 USD → 100 DIAM at the maker's 0.1 USD per DIAM → 40 AED at 2.5 DIAM per AED.
    assert.equal(r.quote, "40.0000000");
    assert.equal(r.dest_min, "39.2000000");
    assert.deepEqual(r.path, ["native"]);
    assert.equal(await balanceOf(alice, usd), "90.0000000");
    assert.equal(await balanceOf(bob, aed), "40.0000000");

    const tooTight = await wallet(["pay", "--name", "alice", "--to", bob, "--amount", "1", "--asset", usd, "--receive-asset", `EUR:${usdAnchor.publicKey()}`, ...base()]);
    assert.equal(tooTight.code, 1);
    assert.equal(errorOf(tooTight).code, "no_path");
  });

  it("places an offer and shows history newest first", async () => {
    const o = json<{selling: string; buying: string; amount: string; price: string}>(
      await wallet(["offer", "--name", "bob", "--sell", aed, "--buy", "native", "--amount", "5", "--price", "3", ...base()]),
    );
    assert.deepEqual([o.selling, o.buying, o.amount, o.price], [aed, "native", "5.0000000", "3"]);
    const offers = (await (await fetch(`${node.url}/accounts/${bob}/offers`)).json()) as {_embedded: {records: {amount: string; price: string}[]}};
    assert.deepEqual(offers._embedded.records.map((x) => [x.amount, x.price]), [["5.0000000", "3.0000000"]]);

    const h = json<{payments: {type: string; from: string; to: string; amount: string; asset: string; source_amount?: string; source_asset?: string}[]}>(
      await wallet(["history", "--name", "bob", "--limit", "5", ...base()]),
    );
    assert.deepEqual(
      h.payments.map((p) => [p.type, p.from, p.amount, p.asset, p.source_amount, p.source_asset]),
      [
        ["path_payment_strict_send", alice, "40.0000000", aed, "10.0000000", usd],
        ["create_account", h.payments[1]?.from, "10000.0000000", "native", undefined, undefined],
      ],
    );
  });

  it("watches payments over SSE and stops after --count events", async () => {
    const child = spawn(process.execPath, [CLI, "wallet", "watch", "--name", "bob", "--count", "1", ...base()], {stdio: ["ignore", "pipe", "pipe"]});
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", r));
    let done = false;
    void exited.then(() => (done = true));
    // Pay until the watcher has reported one: it may still be connecting when the first lands.
    for (let i = 0; i < 60 && !done; i++) {
      json(await wallet(["pay", "--name", "alice", "--to", bob, "--amount", "0.0000001", "--asset", "native", ...base()]));
      for (let j = 0; j < 20 && !done; j++) await new Promise((r) => setTimeout(r, 100));
    }
    if (!done) child.kill("SIGKILL");
    assert.equal(await exited, 0);
    const lines = out.trim().split("\n");
    assert.equal(lines.length, 1);
    const event = JSON.parse(lines[0]) as {type: string; from: string; to: string; amount: string; asset: string};
    assert.deepEqual([event.type, event.from, event.to, event.amount, event.asset], ["payment", alice, bob, "0.0000001", "native"]);
  });

  it("watch stops cleanly on SIGINT", async () => {
    const child = spawn(process.execPath, [CLI, "wallet", "watch", "--name", "bob", "--node", node.url, "--keystore-dir", ks], {stdio: ["ignore", "pipe", "pipe"]});
    const exited = new Promise<number | null>((r) => child.once("exit", r));
    let err = "";
    let watching = false;
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      watching ||= err.includes(`watching payments of ${bob}`);
    });
    for (let i = 0; i < 600 && !watching; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(watching, err);
    child.kill("SIGINT");
    // A watcher that kept its stream open after Ctrl-C would never exit: give it a generous bound.
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const code = await exited;
    clearTimeout(timer);
    assert.equal(code, 0);
  });

  it("resubmits the same envelope after a timeout, and pays exactly once", async () => {
    const before = await balanceOf(bob, "native");
    proxy.submissions = [];
    proxy.onSubmit = async (_body, n) => (n === 1 ? {status: 504, body: {status: 504, title: "Timeout"}} : "forward");
    const r = json<{attempts: number; hash: string}>(await wallet(["pay", "--name", "alice", "--to", bob, "--amount", "1", "--asset", "native", ...viaProxy()]));
    assert.equal(r.attempts, 2);
    assert.equal(proxy.submissions.length, 2);
    assert.equal(proxy.submissions[0], proxy.submissions[1]);

    // The node applied it, but the answer was lost: the wallet finds it and does not pay again.
    proxy.submissions = [];
    proxy.onSubmit = async (_body, n) => (n === 1 ? "forward-then-504" : "forward");
    const r2 = json<{attempts: number; hash: string}>(await wallet(["pay", "--name", "alice", "--to", bob, "--amount", "1", "--asset", "native", ...viaProxy()]));
    assert.equal(proxy.submissions.length, 1);
    assert.notEqual(r2.hash, r.hash);
    proxy.onSubmit = null;
    const after = await balanceOf(bob, "native");
    assert.equal(BigInt((after as string).replace(".", "")) - BigInt((before as string).replace(".", "")), 20_000_000n);
  });

  it("does not rebuild on tx_bad_seq when its own timed-out envelope was applied meanwhile", async () => {
    const before = await balanceOf(bob, "native");
    proxy.submissions = [];
    let hidden = 0;
    // The first answer is lost after the node applied the payment, the wallet's first look-up
    // misses it, and the resubmission is refused as tx_bad_seq (the sequence number is used).
    proxy.onSubmit = async (_body, n) =>
      n === 1 ? "forward-then-504" : {status: 400, body: {status: 400, title: "Transaction Failed", extras: {result_codes: {transaction: "tx_bad_seq"}}}};
    proxy.onGet = (url) => (url.startsWith("/transactions/") && hidden++ === 0 ? {status: 404, body: {status: 404, title: "Resource Missing"}} : null);
    const r = json<{rebuilt: boolean; attempts: number; hash: string}>(await wallet(["pay", "--name", "alice", "--to", bob, "--amount", "1", "--asset", "native", ...viaProxy()]));
    proxy.onSubmit = null;
    proxy.onGet = null;
    assert.deepEqual([r.rebuilt, r.attempts, proxy.submissions.length], [false, 2, 2]);
    assert.equal(proxy.submissions[0], proxy.submissions[1]);
    const after = await balanceOf(bob, "native");
    assert.equal(BigInt((after as string).replace(".", "")) - BigInt((before as string).replace(".", "")), 10_000_000n);
  });

  it("gives up with tx_expired once the time bound has passed, having sent only the same envelope", async () => {
    const before = await balanceOf(bob, "native");
    proxy.submissions = [];
    proxy.onSubmit = async () => ({status: 504, body: {status: 504, title: "Timeout"}});
    const r = await wallet(["pay", "--name", "alice", "--to", bob, "--amount", "1", "--asset", "native", "--tx-timeout", "5", ...viaProxy()]);
    proxy.onSubmit = null;
    assert.equal(r.code, 1, r.err);
    const err = errorOf(r);
    assert.equal(err.code, "tx_expired");
    assert.ok(proxy.submissions.length >= 2, `${proxy.submissions.length} submissions`);
    assert.equal(new Set(proxy.submissions).size, 1);
    assert.equal(await balanceOf(bob, "native"), before);
    const hash = String(err.meta?.hash);
    assert.equal((await fetch(`${node.url}/transactions/${hash}`)).status, 404);
  });

  it("rebuilds once with a fresh sequence number on tx_bad_seq", async () => {
    proxy.submissions = [];
    proxy.onSubmit = async (_body, n) => {
      // Another client spends carol's next sequence number first.
      if (n === 1) await submit(carol, Operation.bumpSequence({bumpTo: "0"}));
      return "forward";
    };
    const r = json<{rebuilt: boolean; attempts: number}>(await wallet(["pay", "--name", "carol", "--to", bob, "--amount", "1", "--asset", "native", ...viaProxy()]));
    proxy.onSubmit = null;
    assert.equal(r.rebuilt, true);
    assert.equal(proxy.submissions.length, 2);
    assert.notEqual(proxy.submissions[0], proxy.submissions[1]);
  });

  it("refuses usage errors with exit 2 and sends nothing", async () => {
    proxy.requests = 0;
    for (const args of [
      ["pay", "--name", "alice", "--to", bob, "--amount", "1.00000001", "--asset", "native"],
      ["pay", "--name", "alice", "--to", "GABC", "--amount", "1", "--asset", "native"],
      ["pay", "--name", "alice", "--to", bob, "--amount", "1", "--asset", "native", "--max-slippage", "1"],
      ["pay", "--name", "alice", "--to", bob, "--amount", "1", "--asset", "native", "--receive-asset", aed, "--max-slippage", "100"],
      ["trust", "native", "--name", "alice"],
      ["offer", "--name", "alice", "--sell", "native", "--buy", "native", "--amount", "1", "--price", "1"],
      ["watch", "--name", "alice", "--count", "x"],
      ["balance", "--name", "../alice"],
      ["create", "--name", "dave", "--kdf-memlimit", String(100 * 1024 ** 3)],
    ]) {
      const r = await wallet([...args, ...viaProxy()]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
      assert.equal(errorOf(r).code, "usage", args.join(" "));
      assert.equal(r.out, "");
    }
    assert.equal(proxy.requests, 0);
  });

  it("reports a wrong password with a code and sends nothing", async () => {
    proxy.requests = 0;
    const r = await wallet(["pay", "--name", "alice", "--to", bob, "--amount", "1", "--asset", "native", ...viaProxy()], {env: {DIAMANTE_WALLET_PASSWORD: "not it"}});
    assert.equal(r.code, 1);
    assert.equal(errorOf(r).code, "bad_password");
    assert.equal(proxy.requests, 0);
    const human = await wallet(["pay", "--name", "nobody", "--to", bob, "--amount", "1", "--asset", "native", "--node", proxy.url, "--keystore-dir", ks]);
    assert.equal(human.code, 1);
    assert.match(human.err, /^diamante wallet: no keystore named "nobody".*\(keystore_not_found\)\n$/);
  });
});
