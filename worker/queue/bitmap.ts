/**
 * A bit per ticket number in a Durable Object's storage, in pages of PAGE_BYTES (4 KB: 32,768 numbers per
 * page), so 200,000 numbers take 25 KB and setting a bit rewrites one page, not the whole set. Pages are read
 * once and kept in memory; changed pages are written by `flush`, which the owner calls with its next batched
 * write (the output gate holds every answer until that write is durable).
 */
export const PAGE_BYTES = 4096;
const PAGE_BITS = PAGE_BYTES * 8;

export class PagedBits {
  private pages = new Map<number, Uint8Array>();
  private dirty = new Set<number>();

  constructor(
    private readonly kv: SyncKvStorage,
    private readonly prefix: string,
  ) {}

  private page(index: number): Uint8Array | undefined {
    let page = this.pages.get(index);
    if (!page) {
      const stored = this.kv.get<Uint8Array | ArrayBuffer>(`${this.prefix}${index}`);
      if (!stored) return undefined;
      page = stored instanceof Uint8Array ? stored : new Uint8Array(stored);
      this.pages.set(index, page);
    }
    return page;
  }

  has(n: number): boolean {
    const page = this.page(Math.floor(n / PAGE_BITS));
    const bit = n % PAGE_BITS;
    return !!page && (page[bit >> 3]! & (1 << (bit & 7))) !== 0;
  }

  /** Sets bit n; false if it was set already. */
  set(n: number): boolean {
    const index = Math.floor(n / PAGE_BITS);
    let page = this.page(index);
    if (!page) this.pages.set(index, (page = new Uint8Array(PAGE_BYTES)));
    const bit = n % PAGE_BITS;
    const mask = 1 << (bit & 7);
    const byte = page[bit >> 3]!;
    if (byte & mask) return false;
    page[bit >> 3] = byte | mask;
    this.dirty.add(index);
    return true;
  }

  /** Writes the pages changed since the last flush. */
  flush(): void {
    for (const index of this.dirty) this.kv.put(`${this.prefix}${index}`, this.pages.get(index)!);
    this.dirty.clear();
  }
}
