/**
 * The stream loop of the Go SDK's horizonclient (`Client.stream` / `streamConnection`), as a test
 * client: what the issue calls "the Go client's stream loop". Its behaviour, which differs from
 * an EventSource's:
 * - `cursor=now` is added to the URL when it has no cursor (on every streamed route, object
 *   routes such as /order_book included);
 * - each connection is a GET with `Accept: text/event-stream`; a status outside 200-299 ends the
 *   stream with an error;
 * - lines are read up to a blank line, and that block is decoded as one event: `event`, `id` and
 *   `data` fields (one space after the colon dropped), comment lines skipped, the data's last
 *   newline removed, a block with neither data nor an event name dispatched as nothing, an event
 *   without a name called "message";
 * - only "message" events reach the handler (Horizon's `open` and `close` events are skipped);
 *   a non-empty `id` becomes the `cursor` query parameter of the next connection (it sends no
 *   Last-Event-ID header);
 * - when the server ends the response, it reconnects at once with that cursor (no retry delay).
 */
import http from "node:http";

export interface GoStream {
  /** The URL of each connection made, in order. */
  readonly requests: string[];
  /** Comment lines read (heartbeats). */
  readonly comments: () => number;
  /** Stops after the current read; resolves when the loop has ended. */
  stop(): Promise<void>;
  /** Rejects when the loop ended with an error (a bad status, a broken connection). */
  readonly done: Promise<void>;
}

interface Decoded {
  event: string;
  id: string;
  data: string;
}

/** One block of lines (up to and with its blank line) as the Go client's SSE decoder reads it. */
export function decodeBlock(block: string): {event?: Decoded; comments: number} {
  let event = "";
  let id = "";
  let data = "";
  let comments = 0;
  for (const raw of block.split("\n")) {
    const line = raw.replace(/\r$/, "");
    if (line === "") continue;
    if (line.startsWith(":")) {
      comments++;
      continue;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "id") id = value;
    else if (field === "data") data += value + "\n";
  }
  if (data.endsWith("\n")) data = data.slice(0, -1);
  if (data === "" && event === "") return {comments};
  return {event: {event: event === "" ? "message" : event, id, data}, comments};
}

export function goStream(streamUrl: string, handler: (data: string) => void): GoStream {
  const url = new URL(streamUrl);
  if ((url.searchParams.get("cursor") ?? "") === "") url.searchParams.set("cursor", "now");
  const requests: string[] = [];
  let comments = 0;
  let stopped = false;
  let current: http.ClientRequest | null = null;

  /** One connection: resolves when the server ended the response. */
  const connection = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const target = url.toString();
      requests.push(target);
      const req = http.get(target, {headers: {Accept: "text/event-stream"}}, (res) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) {
          res.resume();
          reject(new Error(`got bad HTTP status code ${status}`));
          return;
        }
        res.setEncoding("utf8");
        let pending = "";
        let block = "";
        const take = (line: string): void => {
          block += line;
          if (line.replace(/[\r\n]+$/, "") !== "") return;
          const {event, comments: c} = decodeBlock(block);
          block = "";
          comments += c;
          if (event === undefined || event.event !== "message") return;
          if (event.id !== "") url.searchParams.set("cursor", event.id);
          handler(event.data);
        };
        res.on("data", (chunk: string) => {
          pending += chunk;
          let nl: number;
          while ((nl = pending.indexOf("\n")) >= 0) {
            take(pending.slice(0, nl + 1));
            pending = pending.slice(nl + 1);
          }
        });
        res.on("end", () => {
          // A last block without its blank line is still decoded, as the Go client does at EOF.
          if (pending !== "" || block !== "") take(pending + "\n");
          resolve();
        });
        // A response cut before its end is an error to the Go client (not io.EOF), unless stopped here.
        res.on("close", () => (res.complete || stopped ? resolve() : reject(new Error("the connection broke mid-response"))));
      });
      current = req;
      req.on("error", (err) => (stopped ? resolve() : reject(err)));
    });

  const done = (async () => {
    while (!stopped) await connection();
  })();
  // Read by `stop` or by the test; never an unhandled rejection meanwhile.
  done.catch(() => {});

  return {
    requests,
    comments: () => comments,
    done,
    async stop() {
      stopped = true;
      current?.destroy();
      await done.catch(() => {});
    },
  };
}
