/**
 * The bench consumers' own wire parsers (no client library: a bare socket each) must read what
 * the node sends however TCP cuts it: WebSocket frames of every length encoding, fragmented
 * messages and pings; HTTP/1.1 responses chunked or with a length, back to back on one
 * keep-alive socket; SSE events cut anywhere, the blank line between two chunks included. Every
 * socket of the consumer process reads into one shared buffer, so the parsers are fed here
 * through a buffer overwritten after each push: anything they keep must be a copy.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import {
  ByteRuns,
  HttpResponseReader,
  RecordsDigest,
  RecordsFrameScanner,
  SharedFrames,
  SharingFrameSink,
  SseRecordsReader,
  SseEventSplitter,
  WsFrameReader,
  crc32Combine,
  eventsChunkScan,
  recordsFrameScan,
  indexOfTokenKey,
  scanRecordsFrame,
} from "../../../native-bench/stream-consumers.js";
import {prng} from "../../helpers/prng.js";

/** An unmasked server frame. */
function serverFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0, len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (len >= 126 && len < 65536) {
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else if (len >= 65536) {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  head[0] = (fin ? 0x80 : 0) | opcode;
  return Buffer.concat([head, payload]);
}

/** `bytes` cut at the given offsets. */
function cut(bytes: Buffer, at: number[]): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (const a of [...at].sort((x, y) => x - y)) {
    out.push(bytes.subarray(from, a));
    from = a;
  }
  out.push(bytes.subarray(from));
  return out;
}

/** Pushes each chunk as a view of one buffer, overwritten after each push, as the consumers' shared read buffer is by the next read. */
function pushShared(chunks: readonly Buffer[], push: (chunk: Buffer) => void): void {
  const shared = Buffer.alloc(Math.max(1, ...chunks.map((c) => c.length)));
  for (const c of chunks) {
    c.copy(shared);
    push(shared.subarray(0, c.length));
    shared.fill(0x7e);
  }
}

/**
 * Feeds several consumers their units (frames, responses), each cut in pieces, interleaved at
 * random (a consumer picked by its weight, so some run units ahead of others), each piece through
 * one read buffer overwritten after it, as the consumer process's sockets share one.
 */
function feedInterleaved(
  queues: readonly (readonly (readonly Buffer[])[])[],
  rnd: () => number,
  weights: readonly number[],
  to: {start(k: number, unit: number): void; piece(k: number, view: Buffer): void; end(k: number, unit: number): void},
): void {
  const readBuffer = Buffer.alloc(Math.max(1, ...queues.flat(2).map((p) => p.length)));
  const cursor = queues.map(() => ({unit: 0, piece: 0}));
  for (;;) {
    const live = cursor.map((_, k) => k).filter((k) => cursor[k]!.unit < queues[k]!.length);
    if (live.length === 0) return;
    let pick = rnd() * live.reduce((w, k) => w + weights[k]!, 0);
    const k = live.find((j) => (pick -= weights[j]!) < 0) ?? live[live.length - 1]!;
    const at = cursor[k]!;
    const pieces = queues[k]![at.unit]!;
    if (at.piece === 0) to.start(k, at.unit);
    const p = pieces[at.piece]!;
    p.copy(readBuffer);
    to.piece(k, readBuffer.subarray(0, p.length));
    readBuffer.fill(0x7e, 0, p.length);
    if (++at.piece === pieces.length) {
      to.end(k, at.unit);
      at.unit++;
      at.piece = 0;
    }
  }
}

function randomCuts(bytes: Buffer, n: number, rnd: () => number): Buffer[] {
  return cut(bytes, Array.from({length: n}, () => Math.floor(rnd() * bytes.length)));
}

describe("bench consumer parsers", () => {
  const big = Buffer.alloc(70_000, 0x61);
  const mid = Buffer.alloc(300, 0x62);
  const stream = Buffer.concat([
    serverFrame(1, Buffer.from('{"type":"subscribed"}')),
    serverFrame(9, Buffer.from("ping!")),
    serverFrame(1, mid),
    serverFrame(1, Buffer.from("frag-1/"), false),
    serverFrame(0, Buffer.from("frag-2/"), false),
    serverFrame(9, Buffer.alloc(0)),
    serverFrame(0, Buffer.from("frag-3"), true),
    serverFrame(2, big),
    serverFrame(8, Buffer.from([0x0f, 0xa8])),
  ]);
  const want: [number, string][] = [
    [1, '{"type":"subscribed"}'],
    [9, "ping!"],
    [1, mid.toString()],
    [9, ""],
    [1, "frag-1/frag-2/frag-3"],
    [2, big.toString()],
    [8, "\x0f\xa8"],
  ];

  it("reads WebSocket messages whatever the cuts", () => {
    const rnd = prng(3);
    const runs = [[stream], cut(stream, Array.from({length: 120}, (_, i) => i + 1)), ...Array.from({length: 30}, () => randomCuts(stream, 12, rnd))];
    for (const chunks of runs) {
      const got: [number, string][] = [];
      const held: Buffer[] = [];
      const r = new WsFrameReader((op, p) => {
        got.push([op, p.toString("latin1")]);
        held.push(p);
      });
      pushShared(chunks, (c) => r.push(c));
      assert.deepEqual(got, want);
      // Messages are the reader's own copies: still intact after the read buffer was overwritten.
      assert.deepEqual(
        held.map((p) => p.toString("latin1")),
        want.map(([, text]) => text),
      );
    }
  });

  it("hands a whole data frame to its sink piece by piece as it arrives; fragmented and control messages whole", () => {
    const rnd = prng(4);
    const runs = [[stream], cut(stream, Array.from({length: 120}, (_, i) => i + 1)), ...Array.from({length: 30}, () => randomCuts(stream, 12, rnd))];
    for (const chunks of runs) {
      const messages: [number, string][] = [];
      const frames: {length: number; bytes: Buffer[]}[] = [];
      const r = new WsFrameReader((op, p) => messages.push([op, p.toString("latin1")]), {
        start: (length) => frames.push({length, bytes: []}),
        piece: (buf, start, end) => frames[frames.length - 1]!.bytes.push(Buffer.from(buf.subarray(start, end))),
        end: () => frames.push({length: -1, bytes: []}),
      });
      pushShared(chunks, (c) => r.push(c));
      assert.deepEqual(messages, [
        [9, "ping!"],
        [9, ""],
        [1, "frag-1/frag-2/frag-3"],
        [8, "\x0f\xa8"],
      ]);
      // Each whole data frame: start with its length, its bytes, end.
      const whole = [Buffer.from('{"type":"subscribed"}'), mid, big];
      assert.equal(frames.length, 2 * whole.length);
      whole.forEach((w, k) => {
        assert.equal(frames[2 * k]!.length, w.length);
        assert.ok(Buffer.concat(frames[2 * k]!.bytes).equals(w));
        assert.equal(frames[2 * k + 1]!.length, -1);
      });
    }
  });

  it("takes a records frame's tokens and bytes whatever its pieces, tokens cut between pieces included", () => {
    const records = Array.from({length: 40}, (_, i) => JSON.stringify({id: String(i), paging_token: `${4294971393 + i * 4097}${i % 5 === 0 ? `-${i}` : ""}`, memo: "ü".repeat(i % 7)}));
    const frame = Buffer.from(`{"type":"records","channel":"payments","topic":"payments","ledger":1,"cursor":"x","records":[${records.join(",")}]}`);
    const region = Buffer.from(records.join(","));
    const tokens = records.map((r) => (JSON.parse(r) as {paging_token: string}).paging_token);
    const rnd = prng(7);
    const runs = [
      [frame],
      cut(frame, Array.from({length: frame.length - 1}, (_, i) => i + 1)),
      ...Array.from({length: 200}, () => randomCuts(frame, 1 + Math.floor(rnd() * 60), rnd).filter((b) => b.length > 0)),
    ];
    for (const pieces of runs) {
      const gotTokens: string[] = [];
      const gotBytes: Buffer[] = [];
      assert.ok(
        scanRecordsFrame(
          pieces.length === 1 ? pieces[0]! : pieces,
          (buf, start, end) => gotTokens.push(buf.toString("latin1", start, end)),
          (b) => gotBytes.push(Buffer.from(b)),
        ),
      );
      assert.deepEqual(gotTokens, tokens);
      assert.ok(Buffer.concat(gotBytes).equals(region));
    }
    // Streamed through one read buffer overwritten after each piece, cut in two at every byte
    // (inside the head, a key, a token, the closing "]}") and at random: the same tokens, the
    // same bytes, the count and the last token at the frame's end.
    const twoPieces = Array.from({length: frame.length - 1}, (_, i) => cut(frame, [i + 1]));
    for (const pieces of [...twoPieces, ...runs]) {
      const gotTokens: string[] = [];
      const digest = new RecordsDigest();
      const ends: [boolean, number, string][] = [];
      const scanner = new RecordsFrameScanner({
        token: (buf, start, end) => gotTokens.push(buf.toString("latin1", start, end)),
        bytes: (b) => digest.update(b),
        records: (ok, count, last) => ends.push([ok, count, last]),
        other: () => assert.fail("a records frame taken for another"),
      });
      // Twice in a row: the scanner's state starts again with each frame.
      for (let twice = 0; twice < 2; twice++) {
        scanner.start(frame.length);
        pushShared(pieces, (c) => scanner.piece(c, 0, c.length));
        scanner.end();
      }
      assert.deepEqual(gotTokens, [...tokens, ...tokens]);
      assert.equal(digest.digest(), new RecordsDigest().update(region).update(region).digest());
      assert.deepEqual(ends, [
        [true, tokens.length, tokens[tokens.length - 1]!],
        [true, tokens.length, tokens[tokens.length - 1]!],
      ]);
    }
    // Another message goes out whole, a copy, however it was cut.
    const subscribed = Buffer.from('{"type":"subscribed","id":"p"}');
    for (let at = 1; at < subscribed.length; at++) {
      const others: Buffer[] = [];
      const scanner = new RecordsFrameScanner({token: () => assert.fail(), bytes: () => assert.fail(), records: () => assert.fail(), other: (p) => others.push(p)});
      scanner.start(subscribed.length);
      pushShared(cut(subscribed, [at]), (c) => scanner.piece(c, 0, c.length));
      scanner.end();
      assert.deepEqual(others.map(String), [subscribed.toString()]);
    }
    // Not a records frame's layout: refused.
    assert.equal(scanRecordsFrame(Buffer.from('{"type":"records","records":[{"id":"1"}]}'), () => {}, () => {}), false);
    assert.equal(scanRecordsFrame(frame.subarray(0, frame.length - 1), () => {}, () => {}), false);
    assert.equal(scanRecordsFrame(Buffer.concat([frame.subarray(0, frame.length - 2), Buffer.from("}]")]), () => {}, () => {}), false);
    // A records frame's head that never reaches its records.
    assert.equal(scanRecordsFrame([Buffer.from('{"type":"records","ledger":1'), Buffer.from("}")], () => {}, () => {}), false);
  });

  it("finds a token's key through its tail exactly where a search for the whole key would", () => {
    const key = '"paging_token":"';
    // Decoys: the tail after other bytes, the key cut at either end, keys back to back.
    const text = `g_token":"x${key}1"ag_token":"${key}${key}2","xpaging_token":"3"${key.slice(0, 9)}` + `,{"a":"${key.slice(3)}`;
    const random = prng(7);
    const alphabet = ['"', "p", "a", "g", "i", "n", "_", "t", "o", "k", "e", ":", "1"];
    let noise = "";
    for (let i = 0; i < 4000; i++) noise += random() < 0.02 ? key : alphabet[Math.floor(random() * alphabet.length)]!;
    for (const hay of [Buffer.from(text), Buffer.from(noise), Buffer.from(key), Buffer.from(key.slice(1)), Buffer.alloc(0)]) {
      let found = 0;
      for (let from = 0; from <= hay.length + 1; from++) {
        const want = hay.indexOf(key, from);
        assert.equal(indexOfTokenKey(hay, from), want, `from ${from} in ${hay.length} bytes`);
        if (want === from) found++;
      }
      if (hay.length > 16) assert.ok(found > 0);
    }
  });

  it("refuses a masked server frame", () => {
    const r = new WsFrameReader(() => {});
    assert.throws(() => r.push(Buffer.from([0x81, 0x81, 1, 2, 3, 4, 5])), /masked/);
  });

  const events = ['id: 1\ndata: {"a":1}', 'id: 2\ndata: {"b":"x\\ny"}', ":", 'retry: 10\nevent: close\ndata: "byebye"'];
  const sse = Buffer.from(events.map((e) => e + "\n\n").join(""));

  it("cuts SSE events at their blank lines whatever the chunks, across them too", () => {
    const rnd = prng(5);
    const everyByte = cut(sse, Array.from({length: sse.length - 1}, (_, i) => i + 1));
    // Each blank line cut between its two newlines.
    const blankLines = cut(
      sse,
      [...sse.toString("latin1").matchAll(/\n\n/g)].map((m) => m.index! + 1),
    );
    for (const chunks of [[sse], everyByte, blankLines, ...Array.from({length: 40}, () => randomCuts(sse, 5, rnd))]) {
      const got: string[] = [];
      // Read when the chunk's events are done, as a consumer reads its chunk's last token: the bytes are still there.
      let ofChunk: [Buffer, number, number][] = [];
      const s = new SseEventSplitter(
        (b, start, end) => ofChunk.push([b, start, end]),
        () => {
          for (const [b, start, end] of ofChunk) got.push(b.toString("latin1", start, end));
          ofChunk = [];
        },
      );
      pushShared(chunks, (c) => s.push(c));
      assert.deepEqual(got, events);
    }
  });

  it("reads chunked and sized responses back to back on one connection", () => {
    const body1 = sse;
    const chunked = Buffer.concat([
      Buffer.from("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"),
      ...cut(body1, [10, 11, 40]).map((p) => Buffer.concat([Buffer.from(p.length.toString(16) + "\r\n"), p, Buffer.from("\r\n")])),
      Buffer.from("0\r\n\r\n"),
    ]);
    const sized = Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{"a"}');
    const rnd = prng(9);
    for (const chunks of [[chunked], cut(chunked, Array.from({length: chunked.length - 1}, (_, i) => i + 1)), ...Array.from({length: 20}, () => randomCuts(chunked, 6, rnd))]) {
      const parts: Buffer[] = [];
      let ended = 0;
      const r = new HttpResponseReader(
        () => {},
        (b) => parts.push(Buffer.from(b)),
        () => ended++,
      );
      pushShared(chunks, (c) => r.push(c));
      assert.equal(r.status, 200);
      assert.equal(ended, 1);
      assert.ok(Buffer.concat(parts).equals(body1));
      assert.ok(r.keepAlive);
    }
    const parts: Buffer[] = [];
    const r = new HttpResponseReader(
      () => {},
      (b) => parts.push(Buffer.from(b)),
      () => parts.push(Buffer.from("<end>")),
    );
    pushShared(cut(sized, [3, 50, 70]), (c) => r.push(c));
    assert.equal(r.status, 400);
    assert.equal(r.keepAlive, false);
    assert.equal(Buffer.concat(parts).toString(), '{"a"}<end>');
  });

  it("hashes byte ranges in runs: the same digest as each range fed alone, a range in another buffer or not following breaking the run", () => {
    const rnd = prng(11);
    const a = Buffer.from(Array.from({length: 4000}, () => Math.floor(rnd() * 256)));
    const b = Buffer.from(a);
    const direct = new RecordsDigest();
    const updates: number[] = [];
    const viaRuns = new RecordsDigest();
    const runs = new ByteRuns({
      update(x: Buffer) {
        updates.push(x.length);
        viaRuns.update(x);
      },
    });
    const feed = (buf: Buffer, start: number, end: number): void => {
      direct.update(buf.subarray(start, end));
      runs.add(buf, start, end);
    };
    // Back to back in a: one run.
    feed(a, 0, 100);
    feed(a, 100, 250);
    feed(a, 250, 251);
    // The same offsets in another buffer, then a gap, then a range before the run's end.
    feed(b, 251, 400);
    feed(b, 410, 500);
    feed(b, 20, 30);
    runs.flush();
    runs.flush();
    assert.deepEqual(updates, [251, 149, 90, 10]);
    assert.equal(viaRuns.digest(), direct.digest());
    // Random ranges, flushed now and then, as reads end.
    for (let i = 0; i < 3000; i++) {
      const buf = rnd() < 0.5 ? a : b;
      const start = Math.floor(rnd() * 3900);
      feed(buf, start, start + Math.floor(rnd() * 100));
      if (rnd() < 0.1) runs.flush();
    }
    runs.flush();
    assert.equal(viaRuns.digest(), direct.digest());
  });

  it("a records digest is the CRC-32 and length of the bytes fed, however they are cut", () => {
    const rnd = prng(12);
    const all = Buffer.from(Array.from({length: 5000}, () => Math.floor(rnd() * 256)));
    const want = `crc32:${zlib.crc32(all).toString(16).padStart(8, "0")}:${all.length}`;
    for (const cut of [1, 7, 1000, 4999]) {
      const d = new RecordsDigest();
      for (let i = 0; i < all.length; i += cut) d.update(all.subarray(i, i + cut));
      assert.equal(d.digest(), want, `cut every ${cut}`);
    }
    // A string goes in as its UTF-8 bytes, counted as bytes.
    assert.equal(new RecordsDigest().update("é,").update("x").digest(), new RecordsDigest().update(Buffer.from("é,x")).digest());
    assert.match(new RecordsDigest().update("é").digest(), /^crc32:[0-9a-f]{8}:2$/);
    assert.equal(new RecordsDigest().digest(), "crc32:00000000:0");
  });
  it("combines CRC-32s: the CRC of two byte strings back to back from each one's CRC and the second's length", () => {
    const rnd = prng(13);
    const bytes = (n: number): Buffer => Buffer.from(Array.from({length: n}, () => Math.floor(rnd() * 256)));
    for (const [na, nb] of [[0, 0], [0, 5], [5, 0], [1, 1], [3, 1000], [1000, 3], [70_000, 65_537], [17, 1 << 20]] as const) {
      const a = bytes(na);
      const b = bytes(nb);
      assert.equal(crc32Combine(zlib.crc32(a), zlib.crc32(b), nb), zlib.crc32(Buffer.concat([a, b])), `${na} + ${nb} bytes`);
      // As a digest: appending B by its CRC is updating with B.
      const d = new RecordsDigest().update(a).append(zlib.crc32(b), nb);
      assert.equal(d.digest(), new RecordsDigest().update(a).update(b).digest());
    }
  });

  it("reads a large frame that several consumers receive alike once, each consumer's tokens, count, digest and first token as its own scan's, bytes that differ read by their consumer alone", () => {
    const rnd = prng(14);
    /** A records frame of a ledger, with one record's amount changed when `alter` is given. */
    const makeFrame = (ledger: number, n: number, alter?: number): {frame: Buffer; tokens: string[]} => {
      const records = Array.from({length: n}, (_, i) =>
        JSON.stringify({id: String(i), paging_token: `${ledger * 4294967296 + (i + 1) * 4096}`, amount: i === alter ? "9.9999999" : "1.0000000", pad: "x".repeat(900)}),
      );
      return {
        frame: Buffer.from(`{"type":"records","channel":"p","topic":"payments","ledger":${ledger},"records":[${records.join(",")}]}`),
        tokens: records.map((r) => (JSON.parse(r) as {paging_token: string}).paging_token),
      };
    };
    /** One consumer as openWs wires it: its own scanner, the sink, and what it ends up with. */
    const consumer = (pool: SharedFrames | undefined) => {
      const got = {records: 0, firsts: [] as string[], ends: [] as [boolean, number, string][], digest: new RecordsDigest()};
      let first = true;
      const framed = (ok: boolean, count: number, last: string): void => {
        first = true;
        got.ends.push([ok, count, last]);
        if (ok) got.digest.update("\n");
      };
      const own = new RecordsFrameScanner({
        token(buf, start, end) {
          got.records++;
          if (first) {
            first = false;
            got.firsts.push(buf.toString("latin1", start, end));
          }
        },
        bytes: (b) => got.digest.update(b),
        records: framed,
        other: () => assert.fail("a records frame taken for another"),
      });
      const sink =
        pool === undefined
          ? own
          : new SharingFrameSink(pool, own, {
              first(token) {
                first = false;
                got.firsts.push(token);
              },
              end({ok, count, last, crc, bodyLength}) {
                got.records += count;
                got.digest.append(crc, bodyLength);
                framed(ok, count, last);
              },
            });
      return {got, sink};
    };
    // Six ledgers' frames; consumer 4 gets ledger 10's with one record altered. The frames of
    // one length differ only after their heads when the ledger number has as many digits.
    const ledgers = [7, 8, 9, 10, 11, 12].map((l) => makeFrame(l, 150 + (l % 2)));
    const altered = makeFrame(10, 150 + (10 % 2), 90);
    assert.ok(ledgers.every((l) => l.frame.length >= 64 * 1024));
    const frameSets = [0, 1, 2, 3, 4].map((k) => ledgers.map((l, i) => (k === 4 && i === 3 ? altered.frame : l.frame)));
    const distinctBytes = ledgers.reduce((n, l) => n + l.frame.length, altered.frame.length);
    // One pool for every round: frames leave its list while consumers still read them, and their memory is reused.
    const pool = new SharedFrames(recordsFrameScan);
    for (let round = 0; round < 20; round++) {
      const scannedBefore = pool.scannedBytes;
      const shared = frameSets.map(() => consumer(pool));
      const alone = frameSets.map(() => consumer(undefined));
      // Each consumer's pieces, cut at random, fed interleaved (some consumers frames ahead of
      // others) through one buffer overwritten after each piece.
      const queues = frameSets.map((frames) => frames.map((f) => randomCuts(f, 1 + Math.floor(rnd() * 40), rnd).filter((x) => x.length > 0)));
      feedInterleaved(
        queues,
        rnd,
        frameSets.map(() => 0.2 + rnd()),
        {
          start: (k, unit) => [shared[k]!.sink, alone[k]!.sink].forEach((s) => s.start(frameSets[k]![unit]!.length)),
          piece: (k, view) => [shared[k]!.sink, alone[k]!.sink].forEach((s) => s.piece(view, 0, view.length)),
          end: (k) => [shared[k]!.sink, alone[k]!.sink].forEach((s) => s.end()),
        },
      );
      for (let k = 0; k < frameSets.length; k++) {
        const s = shared[k]!.got;
        const o = alone[k]!.got;
        assert.equal(s.records, o.records);
        assert.deepEqual(s.firsts, o.firsts);
        assert.deepEqual(s.ends, o.ends);
        assert.equal(s.digest.digest(), o.digest.digest());
      }
      // And the scans are right: the altered frame's digest differs, its tokens do not.
      assert.deepEqual(
        alone[0]!.got.firsts,
        ledgers.map((l) => l.tokens[0]),
      );
      assert.deepEqual(
        alone[0]!.got.ends,
        ledgers.map((l) => [true, l.tokens.length, l.tokens[l.tokens.length - 1]]),
      );
      assert.notEqual(shared[4]!.got.digest.digest(), shared[0]!.got.digest.digest());
      assert.deepEqual(shared[4]!.got.ends, shared[0]!.got.ends);
      // Scanned once for several consumers: of the 30 frames the 5 consumers got (7 distinct), the
      // pool read less than half the bytes (a consumer frames behind the others may find a frame
      // gone from the list, and read it anew).
      const scanned = pool.scannedBytes - scannedBefore;
      assert.ok(scanned >= distinctBytes / 2 && scanned < (5 * distinctBytes) / 2, `${scanned} of ${distinctBytes} distinct`);
    }
  });
  it("reads a large chunk of record events that several SSE streams receive alike once, each stream's count, digest and last id as its own reading's", () => {
    const rnd = prng(15);
    const event = (i: number, amount = "1.0000000"): string => `id: ${(100 + Math.floor(i / 50)) * 4294967296 + (i % 50) * 4096 + 4096}\ndata: ${JSON.stringify({id: String(i), amount, pad: "y".repeat(950)})}\n\n`;
    const events = (from: number, n: number, alter?: number): string => Array.from({length: n}, (_, k) => event(from + k, from + k === alter ? "7.0000000" : undefined)).join("");
    const chunked = (chunks: string[]): Buffer =>
      Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n${chunks.map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join("")}0\r\n\r\n`);
    const preamble = 'retry: 1000\nevent: open\ndata: "hello"\n\n';
    const goodbye = 'retry: 10\nevent: close\ndata: "byebye"\n\n';
    const cutEvent = event(239);
    /**
     * Four responses on one connection: a large chunk of record events only; one with a comment
     * among them; one chunk ending inside an event and the next starting there; another run.
     */
    // A response dropped inside its large chunk (the stream asks again from its last whole event).
    const dropped = chunked([preamble, events(409, 100)]);
    const received = Math.floor(events(409, 100).length * 0.6);
    const cutAt = dropped.indexOf(events(409, 100)) + received;
    const whole = events(409, 100).slice(0, received).split("\n\n").length - 1;
    const responses = (alter?: number): Buffer[] => [
      chunked([preamble, events(0, 100, alter), events(100, 3), goodbye]),
      chunked([preamble, events(103, 60) + ":\n\n" + events(163, 7)]),
      chunked([preamble, events(170, 69) + cutEvent.slice(0, 500), cutEvent.slice(500) + events(240, 69), goodbye]),
      chunked([preamble, events(309, 100), goodbye]),
      dropped.subarray(0, cutAt),
      chunked([preamble, events(409 + whole, 100 - whole), goodbye]),
    ];
    const total = 509;
    const cut = 4;
    const same = responses();
    assert.ok(same[0]!.length > 100 * 1024);
    const streams = [0, 1, 2, 3, 4].map((k) => (k === 4 ? responses(42) : same));
    /** One stream as openSse wires it: its reader, each response read by a new HttpResponseReader, through the shared chunks or not. */
    const stream = (pool: SharedFrames | undefined) => {
      const got = {records: 0, taken: [] as string[], digest: new RecordsDigest()};
      const body = new SseRecordsReader(got.digest, (n) => (got.records += n), (t) => got.taken.push(t), pool ?? new SharedFrames(eventsChunkScan));
      let reader: HttpResponseReader | undefined;
      return {
        got,
        respond(): void {
          body.reset();
          reader = new HttpResponseReader(
            (status) => assert.equal(status, 200),
            (b) => body.push(b),
            () => {},
            pool === undefined ? undefined : body.chunks,
          );
        },
        push: (b: Buffer) => reader!.push(b),
        done: () => reader!.done,
      };
    };
    const pool = new SharedFrames(eventsChunkScan);
    for (let round = 0; round < 20; round++) {
      const scannedBefore = pool.scannedBytes;
      const shared = streams.map(() => stream(pool));
      const alone = streams.map(() => stream(undefined));
      const queues = streams.map((rs) => rs.map((r) => randomCuts(r, 1 + Math.floor(rnd() * 30), rnd).filter((x) => x.length > 0)));
      feedInterleaved(
        queues,
        rnd,
        streams.map(() => 1),
        {
          start: (k) => [shared[k]!, alone[k]!].forEach((s) => s.respond()),
          piece: (k, view) => [shared[k]!, alone[k]!].forEach((s) => s.push(view)),
          end: (k, unit) => [shared[k]!, alone[k]!].forEach((s) => assert.equal(s.done(), unit !== cut)),
        },
      );
      for (let k = 0; k < streams.length; k++) {
        const s = shared[k]!.got;
        const o = alone[k]!.got;
        assert.equal(s.records, total);
        assert.equal(s.records, o.records);
        assert.equal(s.digest.digest(), o.digest.digest());
        // The last id taken (the next request's Last-Event-ID) is the last record's, and each taken id follows the one before.
        assert.equal(s.taken[s.taken.length - 1], o.taken[o.taken.length - 1]);
        assert.equal(s.taken[s.taken.length - 1], event(total - 1).slice(4, event(total - 1).indexOf("\n")));
        for (const taken of [s.taken, o.taken]) for (let i = 1; i < taken.length; i++) assert.ok(BigInt(taken[i]!) > BigInt(taken[i - 1]!), `${taken[i - 1]} then ${taken[i]}`);
      }
      // What a stream that reads every record's event alone hashes: the events back to back.
      const plain = new RecordsDigest().update(events(0, total)).digest();
      assert.equal(alone[0]!.got.digest.digest(), plain);
      assert.notEqual(shared[4]!.got.digest.digest(), plain);
      // The runs of record events only (the first and the last response's) were hashed once for
      // the streams that got them alike (in later rounds, some are still in the pool, whole).
      const scanned = pool.scannedBytes - scannedBefore;
      const runs = Buffer.byteLength(events(0, 100)) + Buffer.byteLength(events(309, 100));
      assert.ok((round > 0 || scanned >= runs) && scanned < 5 * runs, `${scanned}`);
    }
  });
});
