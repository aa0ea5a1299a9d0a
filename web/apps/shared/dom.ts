/** Small DOM helpers shared by the apps (no framework: a few forms and tables). */

/** The element with this id; a page without it is a build mistake, so it throws. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} is missing from the page`);
  return el as T;
}

/** Creates an element with attributes and children (strings become text nodes, never HTML). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) el.append(c);
  return el;
}

/** Shows a message in a status line; `kind` styles it (error, ok, busy). */
export function say(el: HTMLElement, text: string, kind: "error" | "ok" | "busy" | "" = ""): void {
  el.textContent = text;
  el.className = `status ${kind}`.trim();
}

/** The message of anything thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Lets the browser paint (a status line) before a long synchronous step such as Argon2id. */
export function nextPaint(): Promise<void> {
  return new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
}
