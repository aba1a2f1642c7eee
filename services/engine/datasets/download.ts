/** Plain HTTP(S) GET to a file, following redirects; knows nothing about datasets or checksums. */
import { createWriteStream } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { pipeline } from 'node:stream/promises';

/** The server could not be reached or did not deliver the file; `host` is what the user must be able to reach. */
export class DownloadError extends Error {
  constructor(
    message: string,
    readonly host: string,
  ) {
    super(message);
  }
}

export interface DownloadOptions {
  /** Give up when the connection is silent this long (ms). */
  idleTimeoutMs?: number;
  onProgress?: (received: number, total: number | undefined) => void;
}

const MAX_REDIRECTS = 5;

/** Downloads `url` into `dest` (created or truncated). The caller makes it atomic by choosing a temp `dest`. */
export async function downloadToFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<void> {
  let current = new URL(url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await get(current, opts.idleTimeoutMs ?? 60_000);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      current = new URL(res.headers.location, current);
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw new DownloadError(`${current.host} answered HTTP ${status} for ${current.href}`, current.host);
    }
    const total = Number(res.headers['content-length']) || undefined;
    let received = 0;
    res.on('data', (chunk: Buffer) => {
      received += chunk.length;
      opts.onProgress?.(received, total);
    });
    try {
      await pipeline(res, createWriteStream(dest));
    } catch (err) {
      throw new DownloadError(`download from ${current.host} broke off (${describe(err)})`, current.host);
    }
    if (total !== undefined && received !== total) {
      throw new DownloadError(`download from ${current.host} ended after ${received} of ${total} bytes`, current.host);
    }
    return;
  }
  throw new DownloadError(`more than ${MAX_REDIRECTS} redirects from ${url}`, new URL(url).host);
}

function get(url: URL, idleTimeoutMs: number): Promise<http.IncomingMessage> {
  const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!client) return Promise.reject(new DownloadError(`unsupported protocol in ${url.href}`, url.host));
  return new Promise((resolve, reject) => {
    const req = client.get(url, { headers: { 'user-agent': 'proxysweep' } }, resolve);
    req.setTimeout(idleTimeoutMs, () => req.destroy(new Error(`no answer for ${Math.round(idleTimeoutMs / 1000)} s`)));
    req.on('error', (err) => reject(new DownloadError(`could not reach ${url.host} (${describe(err)})`, url.host)));
  });
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? e.message ?? String(err);
}
