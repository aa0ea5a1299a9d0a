/**
 * The streams bench's command line: --clients-nice sets how nicely the load generator and the
 * consumer process run (default 10, 0 = as started); a value the kernel would refuse or that
 * would put the clients ahead of the node is rejected, naming the flag, before anything runs.
 * --pairs repeats the pair of runs and --compare-node-main alternates another build; the summary
 * gives each build's ratios and medians.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {defaultStreamsBenchOptions, parseStreamsBenchArgs, summarizePairs, type StreamsPairFigures} from "../../../native-bench/streams.js";

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
  });
});
