/**
 * A small seeded PRNG (mulberry32) with helpers. Deterministic across Node
 * versions and platforms: the same seed always gives the same workload.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** `n` lowercase hex digits. */
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(this.next() * 16)];
    return s;
  }

  /** `n` decimal digits (leading digit non-zero). */
  digits(n: number): string {
    let s = String(this.int(1, 9));
    for (let i = 1; i < n; i++) s += String(this.int(0, 9));
    return s;
  }

  /** A random IPv4 address in the given /8 (or anywhere public-looking if omitted). */
  ipv4(first?: number): string {
    return `${first ?? this.int(1, 223)}.${this.int(0, 255)}.${this.int(0, 255)}.${this.int(1, 254)}`;
  }

  /** A random IPv6 address (full form, lowercase). */
  ipv6(): string {
    const parts: string[] = [];
    for (let i = 0; i < 8; i++) parts.push(this.hex(4).replace(/^0+(?=.)/, ''));
    return parts.join(':');
  }

  /** A random UUID v4 string. */
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[this.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

/** What a format generator returns: the line, and the fields its parser must give back. */
export interface GeneratedLine {
  readonly message: string;
  /** Expected parsed fields (a subset or all of the dataset's columns). */
  readonly fields: Record<string, unknown>;
}
