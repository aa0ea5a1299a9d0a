/**
 * CreditCircle in headless Chromium (Debian's chromium driven by playwright-core): a lender and a
 * borrower, each in their own page with a keystore file written by the node adapter, open a loan
 * that is repaid and closed (collateral back, lender paid), then a second one that defaults: the
 * lender's claim before the due date and the borrower's repay after it fail with a clear message
 * (the app reads the ledger's time first; test/integration/credit.test.ts shows the ledger itself
 * refusing those transactions), and the lender claims the collateral once the ledger's time has
 * passed the due date. Both pages update
 * live without reload. No console error; screenshots kept under test-artifacts/.
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {existsSync, mkdirSync, rmSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import {Asset, Keypair, Operation, TransactionBuilder, type xdr} from "@stellar/stellar-sdk";
import {chromium, type BrowserContext, type Page} from "playwright-core";
import {startNode, tempDir, waitFor, type RunningNode} from "../helpers/node.js";
import {passphraseOf} from "../helpers/market.js";
import {createKeystore, serializeKeystore} from "../../src/wallet/keystore.js";
import {nodeSodium} from "../../src/wallet/sodium-node.js";
import {CreditClient} from "../../src/wallet/credit.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../../../test-artifacts/", import.meta.url));
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"];
const PASSWORD = "circle of trust";
/** Small Argon2id parameters so unlocking takes milliseconds in the test (the defaults are 3 / 64 MiB). */
const TEST_KDF = {opslimit: 1, memlimit: 8 * 1024 * 1024};
/** Page conditions wait this long: a loaded 2-core box may take seconds per ledger. */
const WAIT = {timeout: 60_000};

describe("CreditCircle in headless Chromium", () => {
  let n: RunningNode;
  let context: BrowserContext;
  let profile: string;
  let files: string;
  let passphrase: string;
  const problems: string[] = [];
  const anchor = Keypair.random();
  const lender = Keypair.random();
  const borrower = Keypair.random();
  const USD = new Asset("USD", anchor.publicKey());
  const DIAMOND = new Asset("DIAMOND", anchor.publicKey());
  let lenderPage: Page;
  let borrowerPage: Page;

  function watch(page: Page): Page {
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
    });
    page.on("pageerror", (err) => problems.push(`page: ${err.message}`));
    page.on("requestfailed", (req) => {
      // An EventSource the page closes (on navigation or lock) is not a failure of the app.
      if (req.failure()?.errorText !== "net::ERR_ABORTED") problems.push(`request failed: ${req.url()}`);
    });
    return page;
  }

  async function submit(signer: Keypair, ...ops: xdr.Operation[]): Promise<void> {
    const src = await n.server.loadAccount(signer.publicKey());
    const b = new TransactionBuilder(src, {fee: "100", networkPassphrase: passphrase});
    for (const op of ops) b.addOperation(op);
    const tx = b.setTimeout(0).build();
    tx.sign(signer);
    await n.server.submitTransaction(tx, {skipMemoRequiredCheck: true});
  }

  function keystoreFile(name: string, k: Keypair): string {
    const file = createKeystore(nodeSodium, {name, secret: {kind: "key", seed: k.rawSecretKey()}, password: PASSWORD, kdf: TEST_KDF});
    const path = join(files, `${name}.json`);
    writeFileSync(path, serializeKeystore(file));
    return path;
  }

  async function unlock(page: Page, path: string, name: string): Promise<void> {
    await page.goto(n.url + "/apps/creditcircle");
    await page.setInputFiles("#k-file", path);
    await page.fill("#k-password", PASSWORD);
    await page.click("#k-unlock");
    await page.waitForSelector("#wallet:not([hidden])", WAIT);
    assert.match((await page.textContent("#who")) ?? "", new RegExp(name));
  }

  function balanceRows(page: Page, asset: Asset): Promise<number> {
    return page.locator(`#balances tr[data-asset="${asset.getCode()}:${asset.getIssuer()}"]`).count();
  }

  function balanceCell(page: Page, asset: Asset): Promise<string | null> {
    return page.textContent(`#balances tr[data-asset="${asset.getCode()}:${asset.getIssuer()}"] td.num`);
  }

  async function waitBalance(page: Page, asset: Asset, text: string): Promise<void> {
    const sel = `#balances tr[data-asset="${asset.getCode()}:${asset.getIssuer()}"] td.num`;
    await page.waitForFunction(`document.querySelector(${JSON.stringify(sel)})?.textContent === ${JSON.stringify(text)}`, undefined, WAIT);
  }

  async function offer(principal: string, repay: string, collateral: string, termSeconds: number, acceptSeconds: number): Promise<void> {
    const p = lenderPage;
    await p.fill("#o-borrower", borrower.publicKey());
    await p.waitForSelector(`#o-loan-asset option[value="USD:${anchor.publicKey()}"]`, {...WAIT, state: "attached"});
    await p.selectOption("#o-loan-asset", `USD:${anchor.publicKey()}`);
    await p.fill("#o-principal", principal);
    await p.fill("#o-repay", repay);
    await p.fill("#o-coll-asset", `DIAMOND:${anchor.publicKey()}`);
    await p.fill("#o-coll", collateral);
    await p.fill("#o-term", String(termSeconds));
    await p.selectOption("#o-term-unit", "1");
    await p.fill("#o-accept", String(acceptSeconds));
    await p.selectOption("#o-accept-unit", "1");
    await p.click("#o-create");
    await p.waitForSelector("#o-status.ok", WAIT);
  }

  async function statusOf(page: Page): Promise<{cls: string; text: string}> {
    return {cls: (await page.getAttribute("#loans-status", "class")) ?? "", text: (await page.textContent("#loans-status")) ?? ""};
  }

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
    mkdirSync(ARTIFACTS, {recursive: true});
    // One ledger a second: the ledger's clock keeps the wall clock's pace, so the short due date
    // of the second loan is seconds of real time as well.
    n = await startNode({closeIntervalMs: 1000});
    passphrase = await passphraseOf(n);
    for (const k of [anchor, lender, borrower]) await n.server.friendbot(k.publicKey()).call();
    await submit(lender, Operation.changeTrust({asset: USD}));
    await submit(borrower, Operation.changeTrust({asset: DIAMOND}), Operation.changeTrust({asset: USD}));
    await submit(
      anchor,
      Operation.payment({destination: lender.publicKey(), asset: USD, amount: "1000"}),
      Operation.payment({destination: borrower.publicKey(), asset: DIAMOND, amount: "50"}),
      Operation.payment({destination: borrower.publicKey(), asset: USD, amount: "20"}),
    );
    files = tempDir("diamante-credit-keys-");
    profile = tempDir("diamante-chromium-");
    context = await chromium.launchPersistentContext(profile, {executablePath: CHROMIUM, headless: true, args: FLAGS});
    lenderPage = watch(await context.newPage());
    borrowerPage = watch(await context.newPage());
    await unlock(lenderPage, keystoreFile("lena", lender), "lena");
    await unlock(borrowerPage, keystoreFile("bora", borrower), "bora");
  });

  after(async () => {
    await context?.close();
    await n?.stop();
    if (profile) rmSync(profile, {recursive: true, force: true});
    if (files) rmSync(files, {recursive: true, force: true});
  });

  it("a loan is offered, accepted, repaid and closed: collateral back to the borrower, the lender paid", async () => {
    await waitBalance(lenderPage, USD, "1,000.00");
    await offer("100", "105", "10", 600, 300);
    await lenderPage.waitForSelector('#open-loans tr[data-state="offered"][data-role="lender"]', WAIT);
    await waitBalance(lenderPage, USD, "900.00");

    // The borrower's page finds the offer on the ledger by itself (no reload).
    await borrowerPage.click('#open-loans tr[data-state="offered"][data-role="borrower"] .act-accept', WAIT);
    await borrowerPage.waitForSelector('#open-loans tr[data-state="open"][data-role="borrower"]', WAIT);
    await waitBalance(borrowerPage, USD, "120.00");
    await waitBalance(borrowerPage, DIAMOND, "40.00");
    await lenderPage.waitForSelector('#open-loans tr[data-state="open"][data-role="lender"]', WAIT);
    const due = await lenderPage.textContent('#open-loans tr[data-state="open"] td[data-due]');
    assert.match(due ?? "", /\(in \d+ (s|min)\)/);
    // The pre-authorised repay, rebuilt from the terms on the ledger, is there to take elsewhere.
    const E = await lenderPage.getAttribute('#open-loans tr[data-state="open"]', "data-escrow");
    const {txs} = await new CreditClient(n.server).loadLoan(E ?? "");
    const shown = await borrowerPage.locator('#open-loans tr[data-state="open"] details.txs textarea').first().inputValue();
    assert.equal(shown, txs.repay.toXDR());
    await borrowerPage.screenshot({path: join(ARTIFACTS, "creditcircle-open-loan.png"), fullPage: true});

    await borrowerPage.click('#open-loans tr[data-state="open"] .act-repay');
    await borrowerPage.waitForSelector('#closed-loans tr[data-state="repaid"][data-role="borrower"]', WAIT);
    await waitBalance(borrowerPage, DIAMOND, "50.00");
    await waitBalance(borrowerPage, USD, "15.00");
    assert.equal(await borrowerPage.locator("#open-loans tr").count(), 0);

    // The lender's page shows the repayment waiting; collecting it pays the lender.
    await lenderPage.click('#closed-loans tr[data-state="repaid"] .act-collect', WAIT);
    await lenderPage.waitForFunction(`document.querySelector('#closed-loans tr[data-state="repaid"]')?.textContent.includes("repayment collected")`, undefined, WAIT);
    await waitBalance(lenderPage, USD, "1,005.00");
    await lenderPage.screenshot({path: join(ARTIFACTS, "creditcircle-repaid.png"), fullPage: true});
  });

  it("a loan defaults: claim before the due date and repay after it are refused by the ledger, then the lender claims the collateral", async () => {
    await offer("50", "55", "20", 60, 45);
    await borrowerPage.click('#open-loans tr[data-state="offered"] .act-accept', WAIT);
    await lenderPage.waitForSelector('#open-loans tr[data-state="open"][data-role="lender"]', WAIT);
    await waitBalance(borrowerPage, DIAMOND, "30.00");

    // Too early: the page says why, from the ledger's time; nothing is sent.
    await lenderPage.click('#open-loans tr[data-state="open"] .act-claim');
    await lenderPage.waitForSelector("#loans-status.error", WAIT);
    assert.match((await statusOf(lenderPage)).text, /the loan is not past due \(due .*, ledger time .*\)/);
    await lenderPage.screenshot({path: join(ARTIFACTS, "creditcircle-claim-too-early.png"), fullPage: true});
    assert.equal(await balanceRows(lenderPage, DIAMOND), 0, "nothing moved: the lender still has no DIAMOND line");

    // Wait for the ledger's clock (not the wall clock) to pass the due date.
    const due = BigInt((await lenderPage.getAttribute('#open-loans tr[data-state="open"] td[data-due]', "data-due")) ?? "0");
    const client = new CreditClient(n.server);
    await waitFor(async () => ((await client.latestLedger()).closeTime > due ? true : undefined), 120_000, "ledger time past the due date");
    await lenderPage.waitForFunction(`document.querySelector('#open-loans tr[data-state="open"] td[data-due]')?.textContent.includes("overdue")`, undefined, WAIT);

    // Too late: the borrower's repay is refused and nothing moves.
    await borrowerPage.click('#open-loans tr[data-state="open"] .act-repay');
    await borrowerPage.waitForSelector("#loans-status.error", WAIT);
    assert.match((await statusOf(borrowerPage)).text, /the loan was due at .* the ledger no longer accepts the repayment/);
    await borrowerPage.screenshot({path: join(ARTIFACTS, "creditcircle-repay-too-late.png"), fullPage: true});
    assert.equal(await balanceCell(borrowerPage, USD), "65.00");

    await lenderPage.click('#open-loans tr[data-state="open"] .act-claim');
    await lenderPage.waitForSelector('#closed-loans tr[data-state="defaulted"][data-role="lender"]', WAIT);
    await waitBalance(lenderPage, DIAMOND, "20.00");
    await borrowerPage.waitForSelector('#closed-loans tr[data-state="defaulted"][data-role="borrower"]', WAIT);
    assert.equal(await lenderPage.locator("#closed-loans tr").count(), 2);
    await lenderPage.screenshot({path: join(ARTIFACTS, "creditcircle-defaulted.png"), fullPage: true});
    await borrowerPage.screenshot({path: join(ARTIFACTS, "creditcircle-borrower-closed.png"), fullPage: true});
  });

  it("no page logged an error", () => {
    assert.deepEqual(problems, []);
  });
});
