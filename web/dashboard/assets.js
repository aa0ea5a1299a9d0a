// The asset dashboard: a searchable list, one asset's page, refreshed when a ledger closes
// (the metrics frames of the node's WebSocket carry the latest ledger).
import {escapeHtml, fmt, getJson, lineChart, short, subscribe, text, uPlot} from "./common.js";

const params = new URLSearchParams(location.search);
let selected = params.get("asset");
let counter = params.get("counter") ?? "";
let lastLedger = 0;
const charts = {};

async function loadList() {
  const q = document.getElementById("search").value;
  const data = await getJson(`/dashboard/api/assets?limit=50&search=${encodeURIComponent(q)}`);
  text("ledger", String(data.ledger));
  document.getElementById("assets").innerHTML = data.assets.length === 0
    ? `<tr><td colspan="4" class="status">no asset matches</td></tr>`
    : data.assets.map((a) => `<tr class="clickable" data-asset="${escapeHtml(a.asset)}">
        <td><b>${escapeHtml(a.code)}</b></td><td class="mono" title="${escapeHtml(a.issuer)}">${escapeHtml(short(a.issuer))}</td>
        <td>${fmt(a.holders, 0)}</td><td>${escapeHtml(a.supply)}</td></tr>`).join("");
  for (const tr of document.querySelectorAll("#assets tr[data-asset]")) tr.onclick = () => select(tr.dataset.asset);
}

function select(asset) {
  selected = asset;
  const url = new URL(location.href);
  url.searchParams.set("asset", asset);
  history.replaceState(null, "", url);
  loadAsset().catch((err) => text("conn", err.message));
}

/** uPlot draw hook: a candle per bucket (wick high-low, body open-close). */
function drawCandles(u) {
  const [t, open, high, low, close] = u.data;
  const ctx = u.ctx;
  const w = Math.max(2, Math.min(12, (u.bbox.width / Math.max(1, t.length)) * 0.6));
  ctx.save();
  for (let i = 0; i < t.length; i++) {
    const x = u.valToPos(t[i], "x", true);
    const up = close[i] >= open[i];
    ctx.strokeStyle = ctx.fillStyle = up ? "#5fd38d" : "#ff6b6b";
    ctx.beginPath();
    ctx.moveTo(x, u.valToPos(high[i], "y", true));
    ctx.lineTo(x, u.valToPos(low[i], "y", true));
    ctx.stroke();
    const y0 = u.valToPos(Math.max(open[i], close[i]), "y", true);
    const y1 = u.valToPos(Math.min(open[i], close[i]), "y", true);
    ctx.fillRect(x - w / 2, y0, w, Math.max(1, y1 - y0));
  }
  ctx.restore();
}

function chart(name, el, series, data, opts) {
  if (charts[name] !== undefined) charts[name].destroy();
  el.innerHTML = "";
  charts[name] = lineChart(el, series, data, opts);
}

function depthData(book) {
  // Bids are in counter units at counter-per-base prices: their base amount is amount / price.
  let cum = 0;
  const bids = book.bids.map((l) => [Number(l.price), (cum += Number(l.amount) / Number(l.price))]).reverse();
  cum = 0;
  const asks = book.asks.map((l) => [Number(l.price), (cum += Number(l.amount))]);
  const xs = [...bids.map((b) => b[0]), ...asks.map((a) => a[0])];
  const bidY = [...bids.map((b) => b[1]), ...asks.map(() => null)];
  const askY = [...bids.map(() => null), ...asks.map((a) => a[1])];
  return [xs, bidY, askY];
}

async function loadAsset() {
  if (selected === null) return;
  const q = counter !== "" ? `?counter=${encodeURIComponent(counter)}` : "";
  const a = await getJson(`/dashboard/api/assets/${encodeURIComponent(selected)}${q}`);
  document.getElementById("detail").classList.remove("hidden");
  document.getElementById("counter").placeholder = a.counter;
  text("d-asset", a.asset);
  text("d-issuer", a.issuer);
  text("d-domain", a.homeDomain === "" ? "–" : a.homeDomain);
  text("d-supply", a.supply);
  text("d-holders", `${fmt(a.holders, 0)} (${fmt(a.fundedHolders, 0)})`);
  text("d-pay-hour", fmt(a.payments.lastHour.count, 0));
  text("d-pay-day", fmt(a.payments.lastDay.count, 0));
  text("d-pay-vol", a.payments.lastDay.volume);
  text("d-trades-hour", fmt(a.trades.lastHour.count, 0));
  text("d-trades-day", fmt(a.trades.lastDay.count, 0));
  text("d-trade-vol", a.trades.lastDay.volume);
  document.getElementById("d-top").innerHTML = a.topHolders.map((h) => `<tr><td class="mono">${escapeHtml(h.account)}</td><td>${escapeHtml(h.balance)}</td></tr>`).join("");
  document.getElementById("d-trades").innerHTML = a.recentTrades.length === 0
    ? `<tr><td colspan="4" class="status">no trades against ${escapeHtml(a.counter)}</td></tr>`
    : a.recentTrades.map((t) => `<tr class="trade"><td>${t.ledger}</td><td>${escapeHtml(t.baseAmount)}</td><td>${escapeHtml(t.counterAmount)}</td><td>${escapeHtml(t.price)}</td></tr>`).join("");
  const c = a.candles;
  const candleData = [c.map((k) => k.t), c.map((k) => k.open), c.map((k) => k.high), c.map((k) => k.low), c.map((k) => k.close)];
  const none = () => null;
  chart("candles", document.getElementById("c-candles"),
    [{label: "open", paths: none}, {label: "high", paths: none}, {label: "low", paths: none}, {label: "close", paths: none}],
    candleData, {hooks: {draw: [drawCandles]}, xPad: 60});
  chart("depth", document.getElementById("c-depth"),
    [{label: "bids", paths: uPlot.paths.stepped({align: 1}), fill: "#5fd38d33"}, {label: "asks", paths: uPlot.paths.stepped({align: -1}), fill: "#ff6b6b33"}],
    depthData(a.book), {time: false, xPad: 0});
  const h = a.payments.hourly;
  chart("payments", document.getElementById("c-payments"),
    [{label: "payments", paths: uPlot.paths.bars({size: [0.6, 30]}), fill: "#4fb3ff55"}],
    [h.map((b) => b.t), h.map((b) => b.count)]);
}

function onFrame(frame) {
  if (frame.type !== "metrics" || frame.sample.ledger === lastLedger) return;
  lastLedger = frame.sample.ledger;
  text("ledger", String(lastLedger));
  loadList().catch(() => {});
  loadAsset().catch(() => {});
}

document.getElementById("search").addEventListener("input", () => loadList().catch((err) => text("conn", err.message)));
const counterInput = document.getElementById("counter");
counterInput.value = counter;
counterInput.addEventListener("change", () => {
  counter = counterInput.value.trim();
  loadAsset().catch((err) => text("conn", err.message));
});

Promise.all([loadList(), loadAsset()]).then(
  () => subscribe({topic: "metrics"}, onFrame, () => {}, (s) => text("conn", s)),
  (err) => text("conn", `failed: ${err.message}`),
);
