/**
 * Both dashboards in headless Chromium (Debian's chromium driven by playwright-core): they load
 * with no console error, their numbers move as ledgers close under a small payment load, the
 * charts draw, and the asset page shows an asset this test creates with its trade. Screenshots
 * are kept under test-artifacts/ (git-ignored).
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {existsSync, mkdirSync, rmSync} from "node:fs";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import {Operation} from "@stellar/stellar-sdk";
import {chromium, type BrowserContext, type Page} from "playwright-core";
import {startNode, tempDir, type RunningNode} from "../helpers/node.js";
import {crossOffers, openMarket, type Market} from "../helpers/market.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../../../test-artifacts/", import.meta.url));
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"];

describe("dashboards in headless Chromium", () => {
  let n: RunningNode;
  let m: Market;
  let context: BrowserContext;
  let profile: string;
  let loading = true;
  let load: Promise<void>;
  const problems: string[] = [];

  function watch(page: Page): Page {
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
    });
    page.on("pageerror", (err) => problems.push(`page: ${err.message}`));
    page.on("requestfailed", (req) => problems.push(`request failed: ${req.url()}`));
    return page;
  }

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
    mkdirSync(ARTIFACTS, {recursive: true});
    n = await startNode();
    m = await openMarket(n, "BRWSR");
    await crossOffers(m, "25");
    // A small load: alice pays bob one unit per ledger or so until the test ends.
    load = (async () => {
      while (loading) {
        try {
          await m.submit(m.alice, Operation.payment({destination: m.bob.publicKey(), asset: m.asset, amount: "1"}));
        } catch (err) {
          const data = (err as {response?: {data?: {extras?: {result_codes?: unknown}}}}).response?.data;
          problems.push(`load: ${data !== undefined ? JSON.stringify(data.extras?.result_codes ?? data) : String(err)}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    })();
    profile = tempDir("diamante-chromium-");
    context = await chromium.launchPersistentContext(profile, {executablePath: CHROMIUM, headless: true, args: FLAGS});
  });
  after(async () => {
    loading = false;
    await load.catch(() => {});
    await context?.close();
    await n.stop();
    rmSync(profile, {recursive: true, force: true});
  });

  it("the network dashboard loads, moves with the ledgers and draws its charts", async () => {
    const page = watch(await context.newPage());
    await page.goto(n.url + "/dashboard");
    // Browser-side predicates are strings: this project compiles without the DOM library.
    await page.waitForFunction(`/^\\d+$/.test(document.getElementById("ledger").textContent)`);
    const first = Number(await page.textContent("#ledger"));
    // Live updates come over /ws; the ledger number and the charts follow.
    await page.waitForFunction(`Number(document.getElementById("ledger").textContent) > ${first + 2}`, undefined, {timeout: 20_000});
    await page.waitForFunction(`document.getElementById("conn").textContent === "live"`);
    await page.waitForFunction(`document.querySelectorAll(".chart canvas").length >= 6`);
    await page.waitForFunction(`!["–", "0 ms"].includes(document.getElementById("p50").textContent)`);
    const panel = await page.textContent("#nodes");
    assert.match(panel ?? "", /one failure away from halting/);
    const tiles = await page.locator(".tile .value").allTextContents();
    assert.ok(tiles.filter((t) => t !== "–").length >= 10, JSON.stringify(tiles));
    // A chart canvas has drawn pixels, not only a blank surface.
    const painted = (await page.evaluate(`(() => {
      const c = document.querySelector("#c-tps canvas");
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++;
      return n;
    })()`)) as number;
    assert.ok(painted > 100, `tps chart pixels: ${painted}`);
    await page.screenshot({path: join(ARTIFACTS, "dashboard-network.png"), fullPage: true});
    await page.close();
  });

  it("the asset dashboard finds the asset and shows its trade, payments, candles and holders", async () => {
    const page = watch(await context.newPage());
    await page.goto(n.url + "/dashboard/assets");
    await page.fill("#search", "brws");
    const row = `#assets tr[data-asset="BRWSR:${m.issuer.publicKey()}"]`;
    await page.waitForSelector(row);
    await page.click(row);
    await page.waitForFunction(`document.getElementById("d-trades-day").textContent === "1"`);
    assert.equal(await page.textContent("#d-trade-vol"), "25.0000000");
    assert.equal(await page.textContent("#d-issuer"), m.issuer.publicKey());
    assert.equal(await page.locator("#d-trades tr.trade").count(), 1);
    assert.equal(await page.locator("#d-top tr").count(), 2);
    await page.waitForSelector("#c-candles canvas");
    await page.waitForSelector("#c-depth canvas");
    // Payments keep landing: the page refreshes its counts as ledgers close.
    const before = Number((await page.textContent("#d-pay-day"))?.replace(/,/g, ""));
    await page.waitForFunction(`Number(document.getElementById("d-pay-day").textContent.replace(/,/g, "")) > ${before}`, undefined, {timeout: 20_000});
    assert.match(page.url(), /asset=BRWSR/);
    await page.screenshot({path: join(ARTIFACTS, "dashboard-assets.png"), fullPage: true});
    await page.close();
  });

  it("no page logged an error", () => {
    assert.deepEqual(problems, []);
  });
});
