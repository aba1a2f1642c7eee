import { ServiceError, UserError } from '../errors';

/** What a request is for, so a refusal can say what failed and which Grafana role would allow it. */
export interface Action {
  /** e.g. `create folder "ProxySweep"`. */
  what: string;
  /** The least Grafana org role that may do it. */
  role: 'Viewer' | 'Editor' | 'Admin';
}

export interface GrafanaResponse {
  status: number;
  body: Record<string, unknown>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * A minimal client for Grafana's HTTP API: JSON in and out, a service-account token as Bearer. Statuses the
 * caller handles itself (404 on a lookup, 409 on create) come back in `expect`; every other failure becomes
 * one line naming the fix. The token is only ever put in the Authorization header, never in a message.
 */
export class GrafanaHttp {
  readonly base: string;

  constructor(
    url: string,
    private readonly token: string,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {
    this.base = normalizeBaseUrl(url);
    if (!token) {
      throw new UserError(
        'no Grafana token: set GRAFANA_TOKEN to a service-account token (role Editor; Admin with --with-datasource)',
      );
    }
  }

  async request(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    action: Action,
    body?: unknown,
    expect: number[] = [],
  ): Promise<GrafanaResponse> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${this.token}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'manual',
      });
    } catch (err) {
      throw this.unreachable(err);
    }
    const text = await res.text().catch(() => '');
    const json = parseJson(text);
    if ((res.ok || expect.includes(res.status)) && json) return { status: res.status, body: json };
    if (res.ok) {
      throw new ServiceError(
        `${this.base} did not answer ${method} ${path} like Grafana (status ${res.status}, not JSON); check --url points at Grafana's root URL`,
      );
    }
    if (expect.includes(res.status)) return { status: res.status, body: {} };
    throw this.refused(res.status, method, path, action, this.scrub(String(json?.message ?? '')));
  }

  private refused(status: number, method: string, path: string, action: Action, message: string): ServiceError {
    const said = message ? ` (Grafana: ${message})` : '';
    switch (status) {
      case 401:
        return new ServiceError(
          `Grafana at ${this.base} rejected the token (401 Unauthorized): check GRAFANA_TOKEN is a valid service-account token of this Grafana`,
        );
      case 403:
        return new ServiceError(
          `Grafana at ${this.base} refused to ${action.what} (403 Forbidden): the service account needs the ${action.role} role${said}`,
        );
      case 404:
        return new ServiceError(
          `no Grafana API at ${this.base}${path} (404 Not Found): check --url is Grafana's root URL (with its sub-path, if it has one)`,
        );
      default:
        if (status >= 300 && status < 400) {
          return new ServiceError(
            `Grafana at ${this.base} redirected ${method} ${path} (${status}): use the final URL (https? sub-path?) as --url`,
          );
        }
        return new ServiceError(
          `Grafana at ${this.base} failed to ${action.what} (${status} on ${method} ${path})${said}`,
        );
    }
  }

  private unreachable(err: unknown): ServiceError {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
      return new ServiceError(`Grafana at ${this.base} did not answer within ${this.timeoutMs / 1000}s; check --url`);
    }
    const reason = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
    return new ServiceError(
      `cannot reach Grafana at ${this.base} (${this.scrub(reason)}): check --url and that Grafana is running`,
    );
  }

  // Belt and braces: whatever a server echoes back, the token never reaches a message.
  private scrub(text: string): string {
    return (this.token ? text.split(this.token).join('***') : text).replace(/\s+/g, ' ').slice(0, 300);
  }
}

/** `http(s)://host[:port][/sub-path]` without a trailing slash; credentials belong in GRAFANA_TOKEN, not the URL. */
export function normalizeBaseUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(
      `--url ${JSON.stringify(url)} is not a URL; use Grafana's root URL, e.g. http://localhost:3000`,
    );
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new UserError(`--url must be an http:// or https:// URL (got ${u.protocol})`);
  }
  if (u.username || u.password) {
    throw new UserError('--url must not contain credentials; put a service-account token in GRAFANA_TOKEN instead');
  }
  if (u.search || u.hash) throw new UserError('--url must be Grafana’s root URL, without ?query or #fragment');
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    // Lists (GET /api/folders) come back as `{ items }`, so every answer is an object.
    if (Array.isArray(v)) return { items: v };
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
