/**
 * The dashboards' data and pages over a node that closes ledgers: the built pages are served,
 * the network JSON follows ledgers, submissions, rejections and failures, the asset JSON shows
 * an asset created here with its payments and trades, and /metrics carries the same figures.
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation, TransactionBuilder} from "@stellar/stellar-sdk";
import {startNode, waitFor, type RunningNode} from "../helpers/node.js";
import {openSse} from "../helpers/sse.js";
import {crossOffers, openMarket, type Market} from "../helpers/market.js";
import type {NetworkSnapshot} from "../../src/dashboard/interface.js";
import type {AssetPage} from "../../src/dashboard/asset-board.js";
import type {MetricsFrame} from "../../src/dashboard/interface.js";
import {TestWsClient} from "../helpers/ws-client.js";

async function json<T>(url: string): Promise<{status: number; body: T}> {
  const r = await fetch(url);
  return {status: r.status, body: (await r.json()) as T};
}

describe("dashboards", () => {
  let n: RunningNode;
  let m: Market;

  before(async () => {
    n = await startNode();
    m = await openMarket(n, "DASHUSD");
    await m.submit(m.alice, Operation.payment({destination: m.bob.publicKey(), asset: m.asset, amount: "12.5"}));
    await crossOffers(m, "10");
  });
  after(async () => {
    await n.stop();
  });

  it("serves both pages, their scripts and uPlot from the node itself", async () => {
    for (const [path, type, needle] of [
      ["/dashboard", "text/html", "network.js"],
      ["/dashboard/assets", "text/html", "assets.js"],
      ["/dashboard/static/network.js", "text/javascript", "/dashboard/api/network"],
      ["/dashboard/static/assets.js", "text/javascript", "/dashboard/api/assets"],
      ["/dashboard/static/uPlot.esm.js", "text/javascript", "export { uPlot as default }"],
      ["/dashboard/static/uPlot.min.css", "text/css", ".uplot"],
    ] as const) {
      const r = await fetch(n.url + path);
      assert.equal(r.status, 200, path);
      assert.ok(r.headers.get("content-type")?.startsWith(type), path);
      assert.ok((await r.text()).includes(needle), path);
    }
    assert.equal((await fetch(n.url + "/dashboard/static/nope.js")).status, 404);
    assert.equal((await fetch(n.url + "/dashboard/static/..%2Fpackage.json")).status, 404);
    // No page loads anything from elsewhere.
    const html = (await (await fetch(n.url + "/dashboard")).text()) + (await (await fetch(n.url + "/dashboard/assets")).text());
    assert.doesNotMatch(html, /(src|href)="https?:/);
  });

  it("the network JSON follows ledgers, confirmations, refusals and failures", async () => {
    const before = (await json<NetworkSnapshot>(n.url + "/dashboard/api/network")).body;
    assert.equal(before.nodes.length, 1);
    assert.equal(before.nodes[0]!.self, true);
    // A node alone is its whole quorum: losing it halts the network.
    assert.deepEqual(before.nodes[0]!.quorum, {validators: 1, threshold: 1, down: 0, failuresToHalt: 1, toleratedFailures: 0, oneFailureFromHalt: true});
    assert.ok(before.latency.overall.count >= 8, JSON.stringify(before.latency));
    assert.ok(before.latency.overall.p50 > 0 && before.latency.overall.p50 <= before.latency.overall.p99);

    // A payment beyond alice's balance fails in a ledger with op_underfunded.
    await assert.rejects(
      m.submit(m.alice, Operation.payment({destination: m.bob.publicKey(), asset: m.asset, amount: "5000"})),
      (err: {response?: {data?: {extras?: {result_codes?: {operations?: string[]}}}}}) => err.response?.data?.extras?.result_codes?.operations?.[0] === "op_underfunded",
    );
    // A stale sequence number is refused at admission with tx_bad_seq.
    const acc = await n.server.loadAccount(m.bob.publicKey());
    const build = (name: string) => {
      const tx = new TransactionBuilder(acc, {fee: "100", networkPassphrase: m.passphrase}).addOperation(Operation.manageData({name, value: "x"})).setTimeout(60).build();
      tx.sign(m.bob);
      return tx;
    };
    // Both use the next sequence number: the second comes too late.
    const first = build("a");
    const second = new TransactionBuilder(await n.server.loadAccount(m.bob.publicKey()), {fee: "100", networkPassphrase: m.passphrase})
      .addOperation(Operation.manageData({name: "b", value: "x"}))
      .setTimeout(60)
      .build();
    second.sign(m.bob);
    await n.server.submitTransaction(first);
    await assert.rejects(n.server.submitTransaction(second), (err: {response?: {data?: {extras?: {result_codes?: {transaction?: string}}}}}) => err.response?.data?.extras?.result_codes?.transaction === "tx_bad_seq");
    await n.node.dashboard.stats.sample();
    await n.node.dashboard.stats.sample();

    const after = (await json<NetworkSnapshot>(n.url + "/dashboard/api/network")).body;
    assert.ok(after.ledgers.length > 0);
    const last = after.ledgers[after.ledgers.length - 1]!;
    assert.ok(last.seq > before.ledgers[before.ledgers.length - 1]!.seq, "new ledgers appear");
    for (let i = 1; i < after.ledgers.length; i++) assert.equal(after.ledgers[i]!.seq, after.ledgers[i - 1]!.seq + 1);
    assert.ok(after.ledgers.some((l) => l.failed === 1 && l.txs >= 1));
    assert.equal(after.failedByCode.op_underfunded, 1);
    assert.ok((after.rejectedByCode.tx_bad_seq ?? 0) >= 1, JSON.stringify(after.rejectedByCode));
    assert.ok(after.latency.overall.count > before.latency.overall.count);
    assert.ok(after.samples.length >= 2);
    const s = after.samples[after.samples.length - 1]!;
    assert.equal(typeof s.tps, "number");
    assert.ok(s.apiRps >= 0 && s.verifyUtilization >= 0 && s.verifyUtilization <= 1);
  });

  it("the asset JSON shows the asset made here with its holders, payments, trades, candles and book", async () => {
    const code = m.asset.getCode();
    const issuer = m.asset.getIssuer();
    const list = (await json<{assets: {asset: string; holders: number; supply: string}[]}>(n.url + "/dashboard/api/assets?search=dashu")).body;
    assert.deepEqual(list.assets.map((a) => a.asset), [`${code}:${issuer}`]);
    assert.equal(list.assets[0]!.holders, 2);
    assert.equal(list.assets[0]!.supply, "1000.0000000");
    assert.deepEqual((await json<{assets: unknown[]}>(n.url + "/dashboard/api/assets?search=nothing-like-it")).body.assets, []);

    const {status, body: a} = await json<AssetPage>(`${n.url}/dashboard/api/assets/${code}:${issuer}`);
    assert.equal(status, 200);
    assert.equal(a.issuer, issuer);
    assert.equal(a.supply, "1000.0000000");
    assert.equal(a.holders, 2);
    assert.equal(a.fundedHolders, 2);
    // alice: 1000 − 12.5 − 10 sold; bob: 12.5 + 10 bought.
    assert.deepEqual(a.topHolders, [
      {account: m.alice.publicKey(), balance: "977.5000000"},
      {account: m.bob.publicKey(), balance: "22.5000000"},
    ]);
    // The issuing payment and alice's payment (the failed one is not counted).
    assert.equal(a.payments.lastDay.count, 2);
    assert.equal(a.payments.lastDay.volume, "1012.5000000");
    assert.equal(a.counter, "native");
    assert.equal(a.trades.lastDay.count, 1);
    assert.equal(a.trades.lastDay.volume, "10.0000000");
    assert.equal(a.trades.lastDay.counterVolume, "20.0000000");
    assert.equal(a.candles.length, 1);
    assert.deepEqual([a.candles[0]!.open, a.candles[0]!.close], [2, 2]);
    assert.equal(a.recentTrades.length, 1);
    assert.equal(a.recentTrades[0]!.price, "2.0000000");

    // A resting offer shows in the depth.
    await m.submit(m.alice, Operation.manageSellOffer({selling: m.asset, buying: Asset.native(), amount: "5", price: "3"}));
    const withBook = (await json<AssetPage>(`${n.url}/dashboard/api/assets/${code}:${issuer}`)).body;
    assert.deepEqual(withBook.book.asks.map((l) => [l.price, l.amount]), [["3.0000000", "5.0000000"]]);
    assert.ok(withBook.ledger > a.ledger);

    assert.equal((await fetch(`${n.url}/dashboard/api/assets/${code}:${Keypair.random().publicKey()}`)).status, 404);
    assert.equal((await fetch(`${n.url}/dashboard/api/assets/not-an-asset`)).status, 400);
    assert.equal((await fetch(`${n.url}/dashboard/api/assets/${code}:${issuer}?counter=bogus`)).status, 400);
    assert.equal((await fetch(`${n.url}/dashboard/api/assets?limit=0`)).status, 400);
  });

  it("/metrics carries what the dashboards show", async () => {
    await n.node.dashboard.stats.sample();
    const text = await (await fetch(n.url + "/metrics")).text();
    for (const name of [
      "diamante_ledger_txs_applied_total",
      "diamante_ledger_close_seconds_bucket",
      "diamante_ledger_last_txs",
      'diamante_ledger_txs_failed_total{code="op_underfunded"} 1',
      'diamante_herder_queue_rejected_total{reason="tx_bad_seq"}',
      "diamante_herder_queue_txs",
      'diamante_herder_submit_to_confirm_recent_seconds{quantile="0.99"}',
      "diamante_herder_submit_to_confirm_seconds_bucket",
      "diamante_verify_pool_utilization_ratio",
      "diamante_verify_pool_wait_seconds_bucket",
      'diamante_api_requests_total{method="get"}',
      "diamante_api_cache_hits_total",
      "diamante_api_cache_misses_total",
      'diamante_api_stream_subscribers{transport="ws"}',
    ]) {
      assert.ok(text.includes(name), name);
    }
    const p99 = /diamante_herder_submit_to_confirm_recent_seconds\{quantile="0.99"\} (\S+)/.exec(text);
    assert.ok(p99 !== null && Number(p99[1]) > 0, "recent p99 is measured");
  });

  it("counts SSE streams in /metrics and the dashboard sample next to WebSocket ones, and drops them when they close", async () => {
    const gauge = async (): Promise<number | undefined> => {
      const m = /^diamante_api_stream_subscribers\{transport="sse"\} (\S+)$/m.exec(await (await fetch(n.url + "/metrics")).text());
      return m === null ? undefined : Number(m[1]);
    };
    const a = await openSse(n.url + "/ledgers?cursor=now");
    const b = await openSse(`${n.url}/accounts/${m.alice.publicKey()}`);
    assert.equal(a.status, 200);
    assert.equal(await gauge(), 2);
    const sample = await waitFor(async () => (await n.node.dashboard.stats.sample()) ?? undefined, 10_000, "a dashboard sample");
    assert.equal(sample.subscribers.sse, 2);
    a.close();
    b.close();
    await waitFor(async () => ((await gauge()) === 0 ? true : undefined), 10_000, "the gauge back at 0");
  });

  it("/ws publishes a metrics frame per sample with the ledgers closed since the last one", async () => {
    const c = new TestWsClient(n.url);
    await c.opened;
    c.send({op: "subscribe", id: "m", topic: "metrics"});
    const subscribed = await c.next();
    assert.deepEqual({...subscribed, ledger: undefined}, {type: "subscribed", id: "m", topic: "metrics", channel: "metrics", ledger: undefined});
    assert.equal(typeof subscribed.ledger, "number");
    // A sample may see no ledger close (a loaded box): read frames until two of them carry ledgers,
    // and check that the ledgers of consecutive frames follow each other with none skipped or repeated.
    const frames: MetricsFrame[] = [];
    while (frames.filter((f) => f.ledgers.length > 0).length < 2 && frames.length < 20) {
      frames.push((await c.next((f) => f.type === "metrics")) as unknown as MetricsFrame);
    }
    assert.ok(frames.filter((f) => f.ledgers.length > 0).length >= 2, "ledgers closed while sampling");
    for (let i = 1; i < frames.length; i++) assert.ok(frames[i]!.sample.t > frames[i - 1]!.sample.t);
    const seqs = frames.flatMap((f) => f.ledgers.map((l) => l.seq));
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1]! + 1, "no ledger skipped or repeated between frames");
    const b = frames[frames.length - 1]!;
    assert.equal(b.sample.subscribers.ws, 1);
    assert.equal(b.nodes[0]!.self, true);
    c.send({op: "subscribe", id: "m", topic: "metrics"});
    assert.match(String((await c.next((f) => f.type === "error")).message), /id is open/);
    c.send({op: "unsubscribe", id: "m"});
    await c.next((f) => f.type === "unsubscribed");
    c.close();
  });
});
