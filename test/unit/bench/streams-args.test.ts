/**
 * The streams bench's command line: --clients-nice sets how nicely the load generator and the
 * consumer process run (default 10, 0 = as started); a value the kernel would refuse or that
 * would put the clients ahead of the node is rejected, naming the flag, before anything runs.
 * --pairs repeats the pair of runs and --compare-node-main alternates another build; the summary
 * gives each build's ratios and medians.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {defaultStreamsBenchOptions, parseStreamsBenchArgs, speedControl, summarizePairs, type StreamsPairFigures} from "../../../native-bench/streams.js";

describe("streams bench arguments", () => {
  it("defaults the clients' nice to 10 and leaves the e2e flags", () => {
    const a = parseStreamsBenchArgs(["--payments", "15000", "--accounts", "40"]);
    assert.equal(a.opts.clientsNice, 10);
    assert.equal(a.opts.wsSubscribers, defaultStreamsBenchOptions.wsSubscribers);
    assert.equal(a.opts.sseStreams, defaultStreamsBenchOptions.sseStreams);
    assert.deepEqual(a.e2eArgs, ["--payments", "15000", "--accounts", "40"]);
    assert.equal(a.nodeMain, undefined);
  });

  it("reads --clients-nice, --ws, --sse and --node-main wherever they stand", () => {
    const a = parseStreamsBenchArgs(["--payments", "5000", "--clients-nice", "0", "--ws", "20", "--node-main", "/x/main.js", "--sse", "3"]);
    assert.equal(a.opts.clientsNice, 0);
    assert.equal(a.opts.wsSubscribers, 20);
    assert.equal(a.opts.sseStreams, 3);
    assert.equal(a.nodeMain, "/x/main.js");
    assert.deepEqual(a.e2eArgs, ["--payments", "5000"]);
    assert.equal(parseStreamsBenchArgs(["--clients-nice", "19"]).opts.clientsNice, 19);
  });

  for (const bad of ["-1", "20", "1.5", "ten", "", "0x5", "1e1", " 5"]) {
    it(`rejects --clients-nice "${bad}" with the flag and the range`, () => {
      assert.throws(() => parseStreamsBenchArgs(["--clients-nice", bad]), (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.match(err.message, /--clients-nice takes a whole number 0\.\.19/);
        assert.ok(err.message.includes(`"${bad}"`), err.message);
        return true;
      });
    });
  }

  it("rejects --clients-nice with no value", () => {
    assert.throws(() => parseStreamsBenchArgs(["--clients-nice"]), /--clients-nice needs a value/);
    assert.throws(() => parseStreamsBenchArgs(["--clients-nice", "--payments", "10"]), /--clients-nice needs a value/);
  });

  it("reads --firehose-ws and --firehose-sse, defaulting to 10 each and to no more than the subscribers", () => {
    const d = parseStreamsBenchArgs([]);
    assert.equal(d.opts.firehoseWs, 10);
    assert.equal(d.opts.firehoseSse, 10);
    const few = parseStreamsBenchArgs(["--ws", "4", "--sse", "0"]);
    assert.equal(few.opts.firehoseWs, 4);
    assert.equal(few.opts.firehoseSse, 0);
    const a = parseStreamsBenchArgs(["--firehose-ws", "0", "--payments", "100", "--firehose-sse", "2"]);
    assert.equal(a.opts.firehoseWs, 0);
    assert.equal(a.opts.firehoseSse, 2);
    assert.deepEqual(a.e2eArgs, ["--payments", "100"]);
    assert.throws(() => parseStreamsBenchArgs(["--ws", "5", "--firehose-ws", "6"]), /--firehose-ws takes a whole number 0\.\.5, got "6"/);
    assert.throws(() => parseStreamsBenchArgs(["--firehose-sse", "-1"]), /--firehose-sse takes a whole number 0\.\.200/);
  });

  it("rejects a negative or fractional subscriber count", () => {
    assert.throws(() => parseStreamsBenchArgs(["--ws", "-3"]), /--ws takes a whole number/);
    assert.throws(() => parseStreamsBenchArgs(["--sse", "2.5"]), /--sse takes a whole number/);
  });
  it("reads --pairs and --compare-node-main, one pair and no other build by default", () => {
    const d = parseStreamsBenchArgs(["--payments", "100"]);
    assert.equal(d.pairs, 1);
    assert.equal(d.compareNodeMain, undefined);
    const a = parseStreamsBenchArgs(["--pairs", "5", "--payments", "100", "--compare-node-main", "/b/main.js"]);
    assert.equal(a.pairs, 5);
    assert.equal(a.compareNodeMain, "/b/main.js");
    assert.deepEqual(a.e2eArgs, ["--payments", "100"]);
    for (const bad of ["0", "101", "-1", "two"]) assert.throws(() => parseStreamsBenchArgs(["--pairs", bad]), /--pairs takes a whole number 1\.\.100/, bad);
    assert.throws(() => parseStreamsBenchArgs(["--compare-node-main"]), /--compare-node-main needs a value/);
  });

  it("summarizes each build's pairs by their medians, full-ledger ratio first with the interval of its median, and says when a pair lost a record", () => {
    // Full-ledger TPS (q, l); the span TPS (q + 10, l - 100) and the accepted TPS (2q, 2l + 100) are set apart from it, so each column shows where it comes from.
    const pair = (q: number, l: number, complete = true): StreamsPairFigures => ({
      fullQuiet: q,
      fullLoaded: l,
      tpsQuiet: q + 10,
      tpsLoaded: l - 100,
      acceptedQuiet: 2 * q,
      acceptedLoaded: 2 * l + 100,
      complete,
      nodeCpuQuietUs: 200,
      nodeCpuLoadedUs: 250,
      consumerCpuUs: 40,
      verifyCpuQuietUs: 100,
      verifyCpuLoadedUs: 100,
    });
    const got = new Map([
      ["a", [pair(1000, 800), pair(1000, 900), pair(1000, 500)]],
      ["b", [pair(1000, 700, false), pair(2000, 1800)]],
      ["c", [700, 950, 880, 910, 860, 930].map((l) => pair(1000, l))],
    ]);
    const {text, markdown} = summarizePairs(got);
    const [, , rowA, rowB, rowC] = text.split("\n");
    assert.match(rowA!, /0\.80x, 0\.90x, 0\.50x\s+0\.80x\s+needs 6 pairs or more\s+1,000 \/ 800\s+0\.69x, 0\.79x, 0\.40x\s+0\.69x\s+0\.85x, 0\.95x, 0\.55x\s+0\.85x\s/);
    assert.match(rowA!, /yes, every pair/);
    // Two pairs: the median is the mean of the two middle values.
    assert.match(rowB!, /0\.70x, 0\.90x\s+0\.80x\s+needs 6 pairs or more\s+1,500 \/ 1,250\s/);
    // Six pairs: the whole range is the 95% interval of the median (1 - 2/64 = 96.9%).
    assert.match(rowC!, /\s0\.90x\s+0\.70x to 0\.95x \(covers 96\.9%\)\s+1,000 \/ 895\s/);
    assert.match(rowB!, /NO in 1 pair\(s\)/);
    assert.match(markdown, /^### Streams ratio over pairs of runs/);
    // The verify workers' cost was the same in both runs of every pair: the control is 1.00 and the controlled median is the ratio's.
    assert.match(rowC!, /1\.00, 1\.00, 1\.00, 1\.00, 1\.00, 1\.00\s+0\.90x\s+0\.70x to 0\.95x \(covers 96\.9%\)\s/);
  });

  it("multiplies each pair's ratio by how much slower the verify workers ran with subscribers, and says n/a without that figure", () => {
    // Six pairs whose runs with subscribers met a host slower or faster by the verify workers' cost: 0.60 at 1.50x slower reads 0.90.
    const pair = (ratio: number, verifyQuiet: number, verifyLoaded: number): StreamsPairFigures => ({
      fullQuiet: 1000,
      fullLoaded: 1000 * ratio,
      tpsQuiet: 1000,
      tpsLoaded: 1000 * ratio,
      acceptedQuiet: 1000,
      acceptedLoaded: 1000 * ratio,
      complete: true,
      nodeCpuQuietUs: 200,
      nodeCpuLoadedUs: 250,
      consumerCpuUs: 40,
      verifyCpuQuietUs: verifyQuiet,
      verifyCpuLoadedUs: verifyLoaded,
    });
    const fs = [pair(0.6, 100, 150), pair(1.25, 140, 100), pair(0.9, 100, 100), pair(0.8, 100, 110), pair(0.95, 100, 96), pair(0.7, 100, 120)];
    assert.equal(speedControl(fs[0]!), 1.5);
    const [, , row] = summarizePairs(new Map([["noisy", fs]])).text.split("\n");
    // Controlled: 0.90, 0.89, 0.90, 0.88, 0.91, 0.84; median 0.896, printed 0.90x; with six pairs the interval is the whole range.
    assert.match(row!, /1\.50, 0\.71, 1\.00, 1\.10, 0\.96, 1\.20\s+0\.90x\s+0\.84x to 0\.91x \(covers 96\.9%\)\s/);
    // The raw median of the same pairs, for contrast: 0.85 (0.80 and 0.90 in the middle).
    assert.match(row!, /0\.60x, 1\.25x, 0\.90x, 0\.80x, 0\.95x, 0\.70x\s+0\.85x\s+0\.60x to 1\.25x/);
    const noVerify = {...fs[0]!, verifyCpuQuietUs: Number.NaN, verifyCpuLoadedUs: Number.NaN};
    const [, , rowNa] = summarizePairs(new Map([["none", [noVerify]]])).text.split("\n");
    assert.match(rowNa!, /\sn\/a\s+n\/a\s+n\/a\s+yes, every pair/);
  });
});
