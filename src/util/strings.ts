/**
 * `text` (ASCII or Latin-1) as one flat string.
 *
 * V8 keeps a string built by appending as a chain of its pieces: StrKey's encoder appends its
 * text a character at a time, ~50 pieces for an account id. Every string later built from it
 * (a record's JSON naming the account) copies through that chain again each time it is written
 * out as bytes, ~0.9 µs per address per record. A value kept and reused (a cached account id, the
 * close time's text) is worth one flat copy when it is made.
 */
export function flatLatin1(text: string): string {
  return Buffer.from(text, "latin1").toString("latin1");
}
