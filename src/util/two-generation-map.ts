/**
 * A map bounded by a count of entries that forgets its oldest entries a generation at a time.
 *
 * Why not "delete the first key" of one insertion-ordered Map: V8 leaves a deleted slot in place
 * until the table is rehashed, so `keys().next()` walks over every slot deleted before it. Once a
 * map of 50,000 entries is full, each insertion costs tens of microseconds that way. Here new keys
 * go into a young map; when it holds half the bound it becomes the old map and the previous old map
 * is dropped whole. Every operation is O(1); the map holds between half the bound and the bound
 * (`2 × ceil(max / 2) − 1 ≤ max` once warm), and what goes first is the older generation.
 */
export class TwoGenerationMap<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly half: number;
  private droppedCount = 0;

  /** `max` ≥ 1 entries at most (the caller checks the option and handles 0 as "off"). */
  constructor(readonly max: number) {
    this.half = Math.max(1, Math.ceil(max / 2));
  }

  /** The value, or undefined when the key is not held (values themselves are never undefined). */
  get(key: K): V | undefined {
    const v = this.young.get(key);
    return v !== undefined ? v : this.old.get(key);
  }

  has(key: K): boolean {
    return this.young.has(key) || this.old.has(key);
  }

  /** Sets the key in the young generation (moving it out of the old one), rotating when due. */
  set(key: K, value: V): void {
    if (this.young.has(key)) {
      this.young.set(key, value);
      return;
    }
    this.old.delete(key);
    this.young.set(key, value);
    if (this.young.size >= this.half) {
      this.droppedCount += this.old.size;
      this.old = this.young;
      this.young = new Map();
    }
  }

  /** Replaces the value of a key already held, wherever it is; returns whether it was held. */
  replace(key: K, value: V): boolean {
    if (this.young.has(key)) this.young.set(key, value);
    else if (this.old.has(key)) this.old.set(key, value);
    else return false;
    return true;
  }

  clear(): void {
    this.young = new Map();
    this.old = new Map();
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  /** Entries forgotten to stay within the bound (not counting `clear`). */
  get dropped(): number {
    return this.droppedCount;
  }
}
