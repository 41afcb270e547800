import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipped = promisify(gzip);

/**
 * Answers kept until the stored data changes: keyed by who asks (their role sees its own answer) and
 * the request URL, stamped with the data version they were computed at. A hit at the current version
 * is served as it is; any import, boundary reload or edit bumps the version and so retires every entry.
 * Each is kept gzipped too, so a hit costs no compression (gzip was two thirds of a hit's time on the
 * map's cells). Bounded by total size, oldest out first.
 */
export interface Answer {
  body: string | Buffer;
  /** The body gzipped, for callers that accept it (bodies under 1 KB are not worth it). */
  gzip?: Buffer;
  /** The headers that describe the body: its type, and for a printable page its security policy and file name. */
  headers: Record<string, string>;
  /** What an audit entry records of it: the rows it disclosed (null when not countable). */
  rows: number | null;
}

export class AnswerCache {
  private readonly entries = new Map<string, Answer & { version: number }>();
  private bytes = 0;

  constructor(private readonly maxBytes = 256 * 1024 * 1024) {}

  /** The answer with its gzipped body (made once here, asynchronously, so a big page does not hold up other requests). */
  static async withGzip(answer: Answer): Promise<Answer> {
    return answer.body.length < 1024 ? answer : { ...answer, gzip: await gzipped(answer.body) };
  }

  get(key: string, version: number): Answer | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    this.entries.delete(key);
    if (hit.version !== version) {
      this.bytes -= sizeOf(hit);
      return undefined;
    }
    this.entries.set(key, hit); // most recently used last
    return hit;
  }

  set(key: string, version: number, answer: Answer): void {
    if (sizeOf(answer) > this.maxBytes / 4) return;
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= sizeOf(old);
      this.entries.delete(key);
    }
    this.entries.set(key, { ...answer, version });
    this.bytes += sizeOf(answer);
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= sizeOf(v);
    }
  }
}

const sizeOf = (a: Answer) => a.body.length + (a.gzip?.length ?? 0);
