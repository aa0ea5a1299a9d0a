/**
 * PayCircle in headless Chromium against a node started here and the demo's economy (two
 * anchors, a market maker bridging USD and AED through DIAM, users with keystores written by the
 * node-side keystore adapter): unlocking a keystore file, a USD payment that arrives as AED with
 * both pages' balances following live, refused payments explained by their result codes (a rate
 * moved past the slippage floor, not enough funds), a strict-receive payment, a deposit and a
 * withdrawal through the anchor, history paging, and a keystore made in the page that opens in node.
 * Screenshots are kept under test-artifacts/.
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {existsSync, mkdirSync, rmSync} from "node:fs";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import {Asset, Operation} from "@stellar/stellar-sdk";
import {chromium, type BrowserContext, type Page} from "playwright-core";
import {startNode, tempDir, waitFor, type RunningNode} from "../helpers/node.js";
import {seedDemo, type DemoUser, type DemoWorld} from "../../src/demo/seed.js";
import {openKeystore} from "../../src/wallet/keystore.js";
import {nodeSodium} from "../../src/wallet/sodium-node.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../../../test-artifacts/", import.meta.url));
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"];
const PASSWORD = "demo keystore password";
/** Small Argon2id costs keep the test fast; the apps read the costs from each file. */
const SMALL_KDF = {opslimit: 1, memlimit: 8 * 1024 * 1024};
/** Generous: a ledger may take seconds on a loaded box. */
const LONG = {timeout: 60_000};

/** Horizon's 7-decimal amount as stroops. */
function stroops(amount: string): bigint {
  assert.match(amount, /^\d+\.\d{7}$/);
  return BigInt(amount.replace(".", ""));
}

describe("PayCircle in headless Chromium", () => {
  let n: RunningNode;
  let world: DemoWorld;
  let keystoreDir: string;
  let context: BrowserContext;
  let profile: string;
  const problems: string[] = [];
  /**
   * Submissions the test makes fail on purpose: the node answers 400 with the result codes, which
   * Chromium logs as a failed resource load. Only that many such lines are excused.
   */
  let refusalsExpected = 0;

  function watch(page: Page): Page {
    page.on("console", (msg) => {
      if (msg.type() !== "error") return;
      if (refusalsExpected > 0 && /status of 400/.test(msg.text()) && /\/transactions$/.test(msg.location().url)) {
        refusalsExpected--;
        return;
      }
      problems.push(`console: ${msg.text()} (${msg.location().url})`);
    });
    page.on("pageerror", (err) => problems.push(`page: ${err.message}`));
    page.on("requestfailed", (req) => {
      // A stream closed by the page when it unloads is not a failure.
      if (!/ERR_ABORTED/.test(req.failure()?.errorText ?? "")) problems.push(`request failed: ${req.url()} ${req.failure()?.errorText ?? ""}`);
    });
    return page;
  }

  function user(name: string): DemoUser {
    const u = world.users.find((x) => x.name === name);
    assert.ok(u, name);
    return u;
  }

  /** Opens PayCircle and unlocks `u`'s keystore file (written by the node adapter). */
  async function unlock(u: DemoUser): Promise<Page> {
    const page = watch(await context.newPage());
    await page.goto(n.url + "/apps/paycircle");
    await page.waitForSelector("#k-unlock");
    await page.setInputFiles("#k-file", u.keystore);
    await page.fill("#k-password", PASSWORD);
    await page.click("#k-unlock");
    await page.waitForSelector("#wallet:not([hidden])", LONG);
    assert.equal(await page.textContent("#address"), u.keypair.publicKey());
    assert.equal(await page.isHidden("#keys"), true, "the keystore panel goes away once unlocked");
    await page.waitForSelector(`#balances tr[data-asset="native"]`, LONG);
    // A mark that a reload would erase: the updates below must arrive without one.
    await page.evaluate("window.stillTheSamePage = true");
    return page;
  }

  function balanceIs(page: Page, assetKey: string, amount: string): Promise<unknown> {
    return page.waitForSelector(`#balances tr[data-asset="${assetKey}"][data-amount="${amount}"]`, LONG);
  }

  async function horizonBalance(account: string, code: string): Promise<string> {
    const acc = await n.server.loadAccount(account);
    const line = acc.balances.find((b) => "asset_code" in b && b.asset_code === code);
    return line?.balance ?? "none";
  }

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
    mkdirSync(ARTIFACTS, {recursive: true});
    n = await startNode();
    keystoreDir = tempDir("paycircle-keystores-");
    ({world} = await seedDemo({nodeUrl: n.url, keystoreDir, password: PASSWORD, kdf: SMALL_KDF}));
    profile = tempDir("diamante-chromium-");
    context = await chromium.launchPersistentContext(profile, {executablePath: CHROMIUM, headless: true, args: FLAGS});
  });
  after(async () => {
    await context?.close();
    await world?.stop();
    await n?.stop();
    rmSync(profile, {recursive: true, force: true});
    rmSync(keystoreDir, {recursive: true, force: true});
  });

  it("alice sends USD that bob receives as AED via DIAM, and both balances update live", async () => {
    const alice = user("alice");
    const bob = user("bob");
    const usdKey = `USD:${world.usd.getIssuer()}`;
    const aedKey = `AED:${world.aed.getIssuer()}`;
    const pa = await unlock(alice);
    const pb = await unlock(bob);
    await balanceIs(pa, usdKey, "500.0000000");
    await balanceIs(pb, aedKey, "200.0000000");

    await pa.fill("#send-to", bob.keypair.publicKey());
    await pa.waitForSelector(`#recv-asset option[value="${aedKey}"]`, {state: "attached", ...LONG});
    await pa.selectOption("#send-asset", usdKey);
    await pa.selectOption("#recv-asset", aedKey);
    await pa.fill("#send-amount", "10");
    assert.equal(await pa.inputValue("#slippage"), "1");
    await pa.click("#quote");
    await pa.waitForSelector("#quote-path", LONG);
    assert.equal(await pa.textContent("#quote-path"), "path USD → DIAM → AED");
    // 10 USD buy 100 DIAM at 0.1 USD each; 100 DIAM buy AED at 2.75 DIAM each.
    const quoted = (await pa.getAttribute("#quote-receive", "data-amount")) ?? "";
    const horizonQuote = await n.server.strictSendPaths(world.usd, "10", [world.aed]).call();
    assert.equal(quoted, horizonQuote.records[0]?.destination_amount);
    assert.match((await pa.textContent("#quote-rate")) ?? "", /^rate 1 USD = 3\.63\d* AED$/);
    await pa.screenshot({path: join(ARTIFACTS, "paycircle-quote.png"), fullPage: true});
    await pa.click("#send");
    await pa.waitForSelector("#send-status.ok", LONG);

    // Both pages follow their account streams: no reload, new balances.
    await balanceIs(pa, usdKey, "490.0000000");
    const bobAed = await waitFor(async () => {
      const b = await horizonBalance(bob.keypair.publicKey(), "AED");
      return b !== "200.0000000" ? b : undefined;
    }, 30_000, "bob's AED");
    await balanceIs(pb, aedKey, bobAed);
    // Delivered exactly the quote (nothing else traded meanwhile), above the 1% slippage floor.
    assert.equal(stroops(bobAed) - stroops("200.0000000"), stroops(quoted));
    assert.equal(await pa.evaluate("window.stillTheSamePage"), true);
    assert.equal(await pb.evaluate("window.stillTheSamePage"), true);
    // The history of both shows the path payment (bob's arrives over the payments stream).
    await pa.waitForSelector(`#history tr[data-type="path_payment_strict_send"].out`, LONG);
    await pb.waitForSelector(`#history tr[data-type="path_payment_strict_send"].in`, LONG);
    await pa.screenshot({path: join(ARTIFACTS, "paycircle-sender.png"), fullPage: true});
    await pb.screenshot({path: join(ARTIFACTS, "paycircle-receiver.png"), fullPage: true});

    // A payment the ledger refuses is explained by its result code, and nothing moves.
    await pa.fill("#send-to", world.maker.publicKey());
    await pa.selectOption("#recv-asset", usdKey);
    await pa.fill("#send-amount", "1000");
    await pa.click("#quote");
    await pa.waitForFunction(`!document.getElementById("send").disabled`, undefined, LONG);
    refusalsExpected++;
    await pa.click("#send");
    await pa.waitForSelector("#send-status.error", LONG);
    assert.match((await pa.textContent("#send-status")) ?? "", /op_underfunded: not enough funds/);
    assert.equal(await horizonBalance(alice.keypair.publicKey(), "USD"), "490.0000000");
    // And one the form refuses before anything is sent.
    await pa.fill("#send-amount", "1.123456789");
    await pa.click("#quote");
    await pa.waitForSelector("#send-status.error", LONG);
    assert.match((await pa.textContent("#send-status")) ?? "", /more than 7 decimals/);
    await pa.close();
    await pb.close();
  });

  it("a rate that moves past the slippage after the quote is refused by the ledger (op_under_dest_min); a new quote with the received amount fixed goes through", async () => {
    const alice = user("alice");
    const bob = user("bob");
    const pa = await unlock(alice);
    await pa.fill("#send-to", bob.keypair.publicKey());
    await pa.waitForSelector(`#recv-asset option[value="AED:${world.aed.getIssuer()}"]`, {state: "attached", ...LONG});
    await pa.selectOption("#send-asset", `USD:${world.usd.getIssuer()}`);
    await pa.selectOption("#recv-asset", `AED:${world.aed.getIssuer()}`);
    await pa.fill("#send-amount", "5");
    await pa.click("#quote");
    await pa.waitForSelector("#quote-path", LONG);
    const usdBefore = await horizonBalance(alice.keypair.publicKey(), "USD");
    // The market maker reprices AED from 2.75 to 3 DIAM: 9% fewer AED than quoted, past the 1% floor.
    const offers = await n.server.offers().forAccount(world.maker.publicKey()).call();
    const aedOffer = offers.records.find((o) => o.selling.asset_code === "AED");
    assert.ok(aedOffer);
    await world.submitter.submit(world.maker, [Operation.manageSellOffer({selling: world.aed, buying: Asset.native(), amount: aedOffer.amount, price: "3", offerId: aedOffer.id})]);
    refusalsExpected++;
    await pa.click("#send");
    await pa.waitForSelector("#send-status.error", LONG);
    assert.match((await pa.textContent("#send-status")) ?? "", /op_under_dest_min: the rate moved/);
    assert.equal(await horizonBalance(alice.keypair.publicKey(), "USD"), usdBefore);
    await pa.screenshot({path: join(ARTIFACTS, "paycircle-slippage.png"), fullPage: true});

    // Quoted again at the new rate, with the received amount fixed (strict receive): bob gets exactly 3 AED.
    const bobBefore = await horizonBalance(bob.keypair.publicKey(), "AED");
    await pa.selectOption("#send-mode", "receive");
    await pa.fill("#send-amount", "3");
    await pa.click("#quote");
    await pa.waitForSelector("#quote-path", LONG);
    assert.equal(await pa.textContent("#quote-path"), "path USD → DIAM → AED");
    // 3 AED cost 9 DIAM at 3 DIAM each, which cost 0.9 USD at 10 DIAM per USD.
    assert.equal(await pa.getAttribute("#quote-receive", "data-amount"), "0.9000000");
    await pa.click("#send");
    await pa.waitForSelector("#send-status.ok", LONG);
    assert.equal(stroops(await horizonBalance(bob.keypair.publicKey(), "AED")) - stroops(bobBefore), 30_000_000n);
    assert.equal(stroops(usdBefore) - stroops(await horizonBalance(alice.keypair.publicKey(), "USD")), 9_000_000n);
    await pa.close();
  });

  it("carol deposits USD through the anchor (adding the trustline it asks for) and withdraws some", async () => {
    const carol = user("carol");
    const usdKey = `USD:${world.usd.getIssuer()}`;
    const anchor = world.anchors.find((a) => a.asset.getCode() === "USD");
    assert.ok(anchor);
    const pc = await unlock(carol);
    await pc.waitForSelector(`#anchor-asset option[value="${usdKey}"]`, {state: "attached", ...LONG});
    await pc.selectOption("#anchor-asset", usdKey);
    await pc.waitForFunction(`document.getElementById("anchor-info").textContent.includes("Demo USD anchor")`, undefined, LONG);
    assert.match((await pc.textContent("#anchor-info")) ?? "", new RegExp(anchor.domain.replace(/\./g, "\\.")));

    await pc.fill("#anchor-amount", "50");
    await pc.click("#deposit");
    // Carol has no USD trustline: the anchor waits and the app offers to add it.
    await pc.waitForSelector("#anchor-trust:not([hidden])", LONG);
    assert.equal(anchor.list(carol.keypair.publicKey())[0]?.status, "pending_trust");
    await pc.click("#anchor-trust");
    await pc.waitForFunction(`/deposit .* completed/i.test(document.getElementById("anchor-status").textContent)`, undefined, LONG);
    await balanceIs(pc, usdKey, "50.0000000");
    assert.equal(await horizonBalance(carol.keypair.publicKey(), "USD"), "50.0000000");

    await pc.fill("#anchor-amount", "20");
    await pc.click("#withdraw");
    await pc.waitForFunction(`/withdrawal .* completed/i.test(document.getElementById("anchor-status").textContent)`, undefined, LONG);
    await balanceIs(pc, usdKey, "30.0000000");
    const done = anchor.list(carol.keypair.publicKey()).find((t) => t.kind === "withdrawal");
    assert.equal(done?.status, "completed");
    assert.equal(done?.amount_in, "20.0000000");
    // The anchor matched the payment by its memo: the transaction it names carries that memo.
    const tx = await n.server.transactions().transaction(done?.stellar_transaction_id ?? "").call();
    assert.equal(tx.memo_type, "id");
    assert.equal(tx.memo, done?.withdraw_memo);
    await pc.waitForSelector(`#transfers tr[data-status="completed"]`, LONG);
    assert.equal(await pc.evaluate("window.stillTheSamePage"), true);
    await pc.screenshot({path: join(ARTIFACTS, "paycircle-anchor.png"), fullPage: true});
    await pc.close();
  });

  it("the payment history pages back and forth and stays newest first", async () => {
    const alice = user("alice");
    const pa = await unlock(alice);
    await pa.waitForSelector("#history tr", LONG);
    const before = await pa.locator("#history tr").count();
    // Eleven payments in one transaction: more than a page (10) of history at once.
    await world.submitter.submit(world.maker, Array.from({length: 11}, (_, i) => Operation.payment({destination: alice.keypair.publicKey(), asset: Asset.native(), amount: String(i + 1)})));
    const total = before + 11;
    // The page hears it on the payments stream and shows the newest page.
    await pa.waitForFunction(`document.querySelector("#history tr td.num")?.textContent === "+11.00 DIAM"`, undefined, LONG);
    assert.equal(await pa.locator("#history tr").count(), 10);
    await pa.click("#hist-older");
    await pa.waitForFunction(`document.querySelectorAll("#history tr").length === ${total - 10}`, undefined, LONG);
    assert.equal(await pa.isDisabled("#hist-older"), true);
    await pa.click("#hist-newer");
    await pa.waitForFunction(`document.querySelectorAll("#history tr").length === 10`, undefined, LONG);
    const amounts = await pa.locator("#history tr td.num").allTextContents();
    assert.deepEqual(amounts.slice(0, 3), ["+11.00 DIAM", "+10.00 DIAM", "+9.00 DIAM"]);
    assert.equal(await pa.isDisabled("#hist-newer"), true);
    // And older again from there: still towards the past.
    await pa.click("#hist-older");
    await pa.waitForFunction(`document.querySelectorAll("#history tr").length === ${total - 10}`, undefined, LONG);
    assert.equal(await pa.locator(`#history tr[data-type="create_account"]`).count(), 1);
    await pa.close();
  });

  it("a keystore created in the page opens with the node adapter", async () => {
    const page = watch(await context.newPage());
    await page.goto(n.url + "/apps/paycircle");
    await page.waitForSelector("#k-create");
    await page.fill("#k-new-name", "dave");
    await page.selectOption("#k-new-kind", "mnemonic");
    await page.fill("#k-new-password", "short");
    await page.fill("#k-new-password2", "short");
    await page.click("#k-create");
    await page.waitForSelector("#k-new-status.error");
    assert.match((await page.textContent("#k-new-status")) ?? "", /at least 8 characters/);
    await page.fill("#k-new-password", PASSWORD);
    await page.fill("#k-new-password2", PASSWORD);
    await page.click("#k-create");
    await page.waitForSelector("#k-new-account", LONG);
    const account = await page.textContent("#k-new-account");
    const mnemonic = await page.textContent("#k-mnemonic");
    assert.equal(mnemonic?.split(" ").length, 24);
    const saved = JSON.parse((await page.evaluate(`localStorage.getItem("diamante.keystores.v1")`)) as string) as Record<string, unknown>;
    const opened = openKeystore(nodeSodium, saved["dave"], PASSWORD);
    assert.equal(opened.publicKey, account);
    assert.equal(opened.mnemonic, mnemonic);
    // A wrong password in the page: a clear error, still locked.
    await page.selectOption("#k-saved", "dave");
    await page.fill("#k-password", "not the password");
    await page.click("#k-unlock");
    await page.waitForSelector("#k-status.error", LONG);
    assert.match((await page.textContent("#k-status")) ?? "", /bad_password/);
    assert.equal(await page.isHidden("#wallet"), true);
    await page.screenshot({path: join(ARTIFACTS, "paycircle-keys.png"), fullPage: true});
    await page.close();
  });

  it("no page logged an error", () => {
    assert.deepEqual(problems, []);
    assert.equal(refusalsExpected, 0, "the refused payment's 400 was seen");
  });
});
