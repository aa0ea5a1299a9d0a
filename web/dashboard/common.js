// Shared by both dashboards: JSON fetches, the node's own WebSocket (/ws) and uPlot charts.
import uPlot from "./uPlot.esm.js";

export async function getJson(path) {
  const res = await fetch(path, {headers: {accept: "application/json"}});
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

/**
 * Subscribes to a /ws topic and calls onFrame for each frame; reconnects after a close and
 * calls onGap so the page can refetch what it may have missed. Returns a stop function.
 */
export function subscribe(sub, onFrame, onGap, onState) {
  let ws = null;
  let stopped = false;
  let retry = null;
  const open = () => {
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
    ws = new WebSocket(url);
    ws.onopen = () => {
      onState?.("live");
      ws.send(JSON.stringify({op: "subscribe", id: "page", ...sub}));
    };
    ws.onmessage = (ev) => {
      const frame = JSON.parse(ev.data);
      if (frame.type === "error") console.warn("ws:", frame.message);
      else onFrame(frame);
    };
    ws.onclose = () => {
      onState?.("reconnecting");
      if (stopped) return;
      retry = setTimeout(() => {
        onGap?.();
        open();
      }, 1000);
    };
    // A failed connection also fires close, which retries; nothing to do here.
    ws.onerror = () => {};
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(retry);
    ws?.close();
  };
}

export function text(id, value) {
  const el = document.getElementById(id);
  if (el !== null) el.textContent = value;
}

export function fmt(n, digits = 2) {
  if (n === null || n === undefined || Number.isNaN(n)) return "–";
  return Number(n).toLocaleString("en-US", {maximumFractionDigits: digits});
}

export function ms(seconds) {
  return seconds === null || seconds === undefined ? "–" : `${fmt(seconds * 1000, 1)} ms`;
}

export function short(id) {
  return id.length > 12 ? `${id.slice(0, 5)}…${id.slice(-5)}` : id;
}

export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})[c]);
}

const COLORS = ["#4fb3ff", "#ffb34f", "#5fd38d", "#ff6b6b", "#c792ea"];

/** A time-series chart in `el`: series = [{label, scale?}], data = [xs, ...ys]. */
export function lineChart(el, series, data, opts = {}) {
  const width = Math.max(300, el.clientWidth - 16);
  // A lone point (or equal ones) would stretch the axis over years: pad the x range instead.
  const pad = opts.xPad ?? 0;
  const scales = {x: {time: opts.time ?? true, range: (u, min, max) => (min === max ? [min - Math.max(pad, 60), max + Math.max(pad, 60)] : [min - pad, max + pad])}};
  const axes = [{stroke: "#8a96a3", grid: {stroke: "#2a333d"}}, {stroke: "#8a96a3", grid: {stroke: "#2a333d"}, size: 60}];
  if (series.some((s) => s.scale === "right")) axes.push({scale: "right", side: 1, stroke: "#8a96a3", grid: {show: false}, size: 60});
  const chart = new uPlot(
    {
      width,
      height: opts.height ?? 200,
      scales,
      axes,
      series: [{}, ...series.map((s, i) => ({label: s.label, scale: s.scale ?? "y", stroke: COLORS[i % COLORS.length], width: 1.5, paths: s.paths, fill: s.fill, points: {show: false}}))],
      hooks: opts.hooks ?? {},
    },
    data,
    el,
  );
  return chart;
}

export {uPlot};
