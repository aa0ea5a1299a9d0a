/**
 * `diamante demo` against a node started in-process: the command seeds the economy the browser
 * apps show (anchors reachable from their issuers' home_domain, the market maker's offers, users
 * with balances and keystores, CreditCircle's loans), a USD → AED path through DIAM exists, and
 * Ctrl-C stops it.
 * Usage errors change nothing on the ledger.
 */
import {after, before, describe, it} from "node:test";
import assert from "node:assert/strict";
import {spawn, type ChildProcess} from "node:child_process";
import {readFileSync, rmSync, existsSync} from "node:fs";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import {Asset, StellarToml} from "@stellar/stellar-sdk";
import {startNode, tempDir, type RunningNode} from "../helpers/node.js";
import {passphraseOf} from "../helpers/market.js";
import {rootKeypair} from "../../src/ledger/genesis.js";
import {openKeystore} from "../../src/wallet/keystore.js";
import {nodeSodium} from "../../src/wallet/sodium-node.js";
import {CreditClient} from "../../src/wallet/credit.js";

const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

interface Summary {
  network_passphrase: string;
  anchors: {code: string; issuer: string; home_domain: string; stellar_toml: string; transfer_server: string}[];
  market_maker: {account: string};
  keystore_dir: string;
  password: string;
  users: {name: string; account: string; keystore: string; balances: string}[];
  notes: string[];
}

function run(args: string[]): {proc: ChildProcess; firstLine: Promise<string>; exited: Promise<number | null>; stderr: () => string} {
  const proc = spawn(process.execPath, [CLI, "demo", ...args], {stdio: ["ignore", "pipe", "pipe"]});
  let out = "";
  let err = "";
  proc.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const firstLine = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no output within 120 s: ${err}`)), 120_000);
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      if (!out.includes("\n")) reject(new Error(`demo exited with ${code}: ${err}`));
    });
  });
  // Callers that only wait for the exit do not read the line: its rejection is expected then.
  firstLine.catch(() => undefined);
  return {proc, firstLine, exited, stderr: () => err};
}

describe("diamante demo", () => {
  let n: RunningNode;
  let dir: string;

  before(async () => {
    n = await startNode();
    dir = tempDir("demo-keystores-");
  });
  after(async () => {
    await n?.stop();
    rmSync(dir, {recursive: true, force: true});
  });

  it("refuses bad flags with exit 2 and seeds nothing", async () => {
    const root = rootKeypair(await passphraseOf(n)).publicKey();
    const rootSeq = (await n.server.loadAccount(root)).sequence;
    for (const args of [["--node", "ftp://x"], ["--kdf-opslimit", "99"], ["--bogus"]]) {
      const r = run([...args, "--keystore-dir", join(dir, "bad")]);
      assert.equal(await r.exited, 2, r.stderr());
      assert.match(r.stderr(), /^diamante demo: /);
      assert.equal(existsSync(join(dir, "bad")), false);
    }
    // Friendbot (the root) funded nobody.
    assert.equal((await n.server.loadAccount(root)).sequence, rootSeq);
  });

  it("seeds anchors, a market maker and users, a USD → AED path via DIAM exists, and Ctrl-C stops it", async () => {
    const r = run(["--node", n.url, "--keystore-dir", dir, "--kdf-opslimit", "1", "--kdf-memlimit", String(8 * 1024 * 1024), "--json"]);
    try {
      const s = JSON.parse(await r.firstLine) as Summary;
      assert.equal(s.password, "demo-password");
      const usd = s.anchors.find((a) => a.code === "USD");
      const aed = s.anchors.find((a) => a.code === "AED");
      assert.ok(usd && aed);
      const USD = new Asset("USD", usd.issuer);
      const AED = new Asset("AED", aed.issuer);

      // Each issuer names its anchor, whose stellar.toml (SEP-1) lists the asset and a transfer server.
      for (const a of [usd, aed]) {
        const issuer = await n.server.loadAccount(a.issuer);
        assert.equal(issuer.home_domain, a.home_domain);
        const toml = await StellarToml.Resolver.resolve(a.home_domain, {allowHttp: true});
        assert.equal(toml.TRANSFER_SERVER, a.transfer_server);
        assert.equal(toml.NETWORK_PASSPHRASE, s.network_passphrase);
        assert.deepEqual((toml.CURRENCIES ?? []).map((c) => [c.code, c.issuer]), [[a.code, a.issuer]]);
        const info = (await (await fetch(a.transfer_server + "/info")).json()) as {deposit: Record<string, {enabled: boolean}>};
        assert.equal(info.deposit[a.code]?.enabled, true);
      }

      // The market maker's four offers bridge USD and AED through DIAM.
      const offers = await n.server.offers().forAccount(s.market_maker.account).call();
      assert.equal(offers.records.length, 4);
      const paths = await n.server.strictSendPaths(USD, "10", [AED]).call();
      const best = paths.records[0];
      assert.ok(best, "a USD → AED path");
      assert.deepEqual(best.path.map((p) => p.asset_type), ["native"]);
      // 10 USD → 100 DIAM (0.1 USD each) → 100 / 2.75 AED, rounded down to the stroop.
      assert.equal(best.destination_amount, "36.3636363");
      const back = await n.server.strictSendPaths(AED, "10", [USD]).call();
      assert.ok(back.records.length > 0, "an AED → USD path");

      // Users: balances on the ledger, keystores that open with the printed password.
      assert.deepEqual(s.users.map((u) => u.name), ["alice", "bob", "carol"]);
      for (const u of s.users) {
        const opened = openKeystore(nodeSodium, readFileSync(u.keystore, "utf8"), s.password);
        assert.equal(opened.publicKey, u.account);
        assert.equal(u.keystore, join(dir, `${u.name}.json`));
      }
      const alice = await n.server.loadAccount(s.users[0]?.account ?? "");
      // 500 USD issued, 100 lent to bob in the CreditCircle loan below.
      assert.equal(alice.balances.find((b) => "asset_code" in b && b.asset_code === "USD")?.balance, "400.0000000");
      const bob = await n.server.loadAccount(s.users[1]?.account ?? "");
      assert.equal(bob.balances.find((b) => "asset_code" in b && b.asset_code === "AED")?.balance, "200.0000000");
      assert.match(s.users[0]?.balances ?? "", /400 USD/);
      assert.equal(bob.balances.find((b) => "asset_code" in b && b.asset_code === "USD")?.balance, "100.0000000");

      // CreditCircle: bob's loan from alice is open, carol's is offered, both in its on-ledger format.
      const credit = new CreditClient(n.server);
      const bobLoans = await credit.loansOf(s.users[1]?.account ?? "");
      assert.deepEqual(bobLoans.map((l) => [l.state, l.role, l.terms.lender]), [["open", "borrower", s.users[0]?.account]]);
      const carolLoans = await credit.loansOf(s.users[2]?.account ?? "");
      assert.deepEqual(carolLoans.map((l) => [l.state, l.role]), [["offered", "borrower"]]);
      assert.equal(s.notes.length, 3);
    } finally {
      r.proc.kill("SIGINT");
    }
    assert.equal(await r.exited, 0, r.stderr());
  });
});
