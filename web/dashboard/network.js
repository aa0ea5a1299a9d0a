// The network dashboard: one fetch of the recent history, then one metrics frame per second
// over the node's WebSocket (a refetch after any reconnect).
import {escapeHtml, fmt, getJson, lineChart, ms, short, subscribe, text, uPlot} from "./common.js";

const state = {ledgers: [], samples: [], charts: {}};
const KEEP = 300;

function codeRows(id, byCode) {
  const rows = Object.entries(byCode).sort((a, b) => b[1] - a[1]);
  document.getElementById(id).innerHTML = rows.length === 0
    ? `<tr><td colspan="2" class="status">none</td></tr>`
    : rows.map(([code, n]) => `<tr><td class="mono">${escapeHtml(code)}</td><td>${fmt(n, 0)}</td></tr>`).join("");
}

function quorumLines(q) {
  if (q === null) return `<div class="status">quorum set not known yet</div>`;
  const risk = q.oneFailureFromHalt;
  const verdict = q.failuresToHalt === 0
    ? "halted: no quorum among the validators up"
    : risk ? "one failure away from halting" : `can lose ${q.toleratedFailures} validator${q.toleratedFailures === 1 ? "" : "s"} and keep closing`;
  return `<div>quorum ${q.threshold} of ${q.validators}${q.down > 0 ? ` · <span class="bad">${q.down} down</span>` : ""}; smallest blocking set ${q.failuresToHalt}</div>
      <div class="${risk ? "bad" : "status"}" data-health>${verdict}</div>`;
}

function renderNodes(nodes) {
  document.getElementById("nodes").innerHTML = nodes.map((n) => {
    const risk = n.quorum !== null && n.quorum.oneFailureFromHalt;
    return `<div class="node${risk ? " risk" : ""}" data-node="${escapeHtml(n.id)}">
      <div class="mono" title="${escapeHtml(n.id)}">${escapeHtml(short(n.id))}${n.self ? " (this node)" : ""}</div>
      <div>ledger <b data-ledger>${n.ledger}</b> · <span data-phase>${escapeHtml(n.phase)}</span> · ${n.peers === null ? "peers unknown" : `${n.peers} peers`}</div>
      ${quorumLines(n.quorum)}
    </div>`;
  }).join("");
}

function renderTiles(snapshot) {
  const s = state.samples[state.samples.length - 1];
  const l = state.ledgers[state.ledgers.length - 1];
  if (l !== undefined) {
    text("ledger", String(l.seq));
    text("txs", fmt(l.txs, 0));
    text("close", `${fmt(l.closeMs, 1)} ms`);
  }
  if (s !== undefined) {
    text("tps", fmt(s.tps, 1));
    text("queue", fmt(s.queue, 0));
    text("rps", fmt(s.apiRps, 1));
    text("hits", s.cacheHitRatio === null ? "–" : `${fmt(s.cacheHitRatio * 100, 1)} %`);
    text("vutil", `${fmt(s.verifyUtilization * 100, 1)} %`);
    text("vwait", s.verifyWaitMs === null ? "–" : `${fmt(s.verifyWaitMs, 2)} ms`);
    text("subs", `${s.subscribers.ws} ws · ${s.subscribers.sse} sse`);
  }
  const lat = snapshot.latency.recent;
  text("p50", ms(lat.p50));
  text("p90", ms(lat.p90));
  text("p99", ms(lat.p99));
  text("p999", ms(lat.p999));
  text("confirmed", fmt(lat.count, 0));
  renderNodes(snapshot.nodes);
  codeRows("rejected", snapshot.rejectedByCode);
  codeRows("failed", snapshot.failedByCode);
}

function series() {
  const S = state.samples;
  const L = state.ledgers;
  const t = S.map((s) => s.t / 1000);
  return {
    tps: [t, S.map((s) => s.tps)],
    ledgers: [L.map((l) => l.closedAt), L.map((l) => l.txs), L.map((l) => l.closeMs)],
    latency: [t, S.map((s) => s.latencyP50 * 1000), S.map((s) => s.latencyP99 * 1000)],
    queue: [t, S.map((s) => s.queue), S.map((s) => s.rejectedPerSec)],
    api: [t, S.map((s) => s.apiRps), S.map((s) => s.cacheHitRatio)],
    verify: [t, S.map((s) => s.verifyUtilization), S.map((s) => s.verifyWaitMs)],
  };
}

function drawCharts() {
  const d = series();
  const c = state.charts;
  if (c.tps === undefined) {
    const bars = uPlot.paths.bars({size: [0.6, 40]});
    c.tps = lineChart(document.getElementById("c-tps"), [{label: "tx/s"}], d.tps);
    c.ledgers = lineChart(document.getElementById("c-ledgers"), [{label: "txs", paths: bars, fill: "#4fb3ff55"}, {label: "close ms", scale: "right"}], d.ledgers);
    c.latency = lineChart(document.getElementById("c-latency"), [{label: "p50 ms"}, {label: "p99 ms"}], d.latency);
    c.queue = lineChart(document.getElementById("c-queue"), [{label: "queue"}, {label: "rejected/s", scale: "right"}], d.queue);
    c.api = lineChart(document.getElementById("c-api"), [{label: "req/s"}, {label: "hit ratio", scale: "right"}], d.api);
    c.verify = lineChart(document.getElementById("c-verify"), [{label: "busy"}, {label: "wait ms", scale: "right"}], d.verify);
    return;
  }
  for (const k of Object.keys(d)) c[k].setData(d[k]);
}

async function load() {
  const snapshot = await getJson("/dashboard/api/network");
  state.ledgers = snapshot.ledgers;
  state.samples = snapshot.samples;
  renderTiles(snapshot);
  drawCharts();
}

function onFrame(frame) {
  if (frame.type !== "metrics") return;
  state.samples.push(frame.sample);
  for (const l of frame.ledgers) if (state.ledgers.length === 0 || l.seq > state.ledgers[state.ledgers.length - 1].seq) state.ledgers.push(l);
  if (state.samples.length > KEEP) state.samples.splice(0, state.samples.length - KEEP);
  if (state.ledgers.length > KEEP) state.ledgers.splice(0, state.ledgers.length - KEEP);
  renderTiles(frame);
  drawCharts();
}

load().then(
  () => subscribe({topic: "metrics"}, onFrame, () => load().catch(() => {}), (s) => text("conn", s)),
  (err) => text("conn", `failed: ${err.message}`),
);
