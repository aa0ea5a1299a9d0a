/**
 * A raw SSE client for tests: the exact bytes a stream sent, and its events parsed as the
 * EventSource spec does (id, event, data, retry; comment lines kept apart).
 */
import http from "node:http";

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
  retry?: string;
}

export interface SseClient {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Everything received so far, as sent. */
  raw(): string;
  events(): SseEvent[];
  /** Comment lines received (heartbeats). */
  comments(): number;
  /** Resolves when the server ended the response. */
  ended: Promise<void>;
  /** Stops reading from the socket (a consumer that cannot keep up). */
  pause(): void;
  close(): void;
  /** Waits until `pred` holds over the events received, or throws after `ms`. */
  waitFor(pred: (events: SseEvent[]) => boolean, ms?: number, what?: string): Promise<SseEvent[]>;
}

function parse(text: string): {events: SseEvent[]; comments: number} {
  const events: SseEvent[] = [];
  let comments = 0;
  // Only complete blocks (ending in a blank line) are events.
  const blocks = text.split("\n\n");
  blocks.pop();
  for (const block of blocks) {
    const e: SseEvent = {data: ""};
    let data: string[] = [];
    let any = false;
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) {
        comments++;
        continue;
      }
      const i = line.indexOf(":");
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
      any = true;
      if (field === "id") e.id = value;
      else if (field === "event") e.event = value;
      else if (field === "retry") e.retry = value;
      else if (field === "data") data.push(value);
    }
    if (!any) continue;
    e.data = data.join("\n");
    data = [];
    events.push(e);
  }
  return {events, comments};
}

export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, {headers: {Accept: "text/event-stream", ...headers}}, (res) => {
      let text = "";
      let endResolve: () => void = () => {};
      const ended = new Promise<void>((r) => (endResolve = r));
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => endResolve());
      res.on("close", () => endResolve());
      res.on("error", () => endResolve());
      const client: SseClient = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        raw: () => text,
        events: () => parse(text).events,
        comments: () => parse(text).comments,
        ended,
        pause: () => res.pause(),
        close: () => req.destroy(),
        async waitFor(pred, ms = 10_000, what = "events") {
          const end = Date.now() + ms;
          for (;;) {
            const ev = parse(text).events;
            if (pred(ev)) return ev;
            if (Date.now() > end) throw new Error(`timed out waiting for ${what}; received:\n${text.slice(0, 2000)}`);
            await new Promise((r) => setTimeout(r, 25));
          }
        },
      };
      resolve(client);
    });
    req.on("error", reject);
  });
}
