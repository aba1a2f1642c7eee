import { createServer, createConnection } from 'node:net';

/** True when something accepts TCP connections on host:port. */
export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** `preferred` if it is free on every one of `hosts`, else a port the OS picks that is free on all of them. */
export async function freePort(preferred?: number, hosts: string | string[] = '127.0.0.1'): Promise<number> {
  const all = Array.isArray(hosts) ? hosts : [hosts];
  const tryListen = (port: number, host: string) =>
    new Promise<number | undefined>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, host, () => {
        const addr = server.address();
        server.close(() => resolve(typeof addr === 'object' && addr ? addr.port : undefined));
      });
    });
  const freeOnAll = async (port: number) => {
    for (const host of all) if ((await tryListen(port, host)) === undefined) return false;
    return true;
  };
  if (preferred && (await freeOnAll(preferred))) return preferred;
  for (let i = 0; i < 20; i++) {
    const p = await tryListen(0, all[0]);
    if (p && (await freeOnAll(p))) return p;
  }
  throw new Error(`no free TCP port on ${all.join(' and ')}`);
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return false;
}

/** True when a process with this pid exists (and we may signal it). */
export function pidAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True for addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** True for "every interface" bind addresses. */
export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/** A host as it goes into a URL or host:port (IPv6 in brackets). */
export function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** True when this machine can bind `host` (it is one of its addresses, or a wildcard). */
export function canBind(host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(0, host, () => server.close(() => resolve(true)));
  });
}
