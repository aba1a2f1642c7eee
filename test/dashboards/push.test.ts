import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { buildDashboards, PG_DATASOURCE_TYPE, PG_DATASOURCE_UID } from '../../dashboards';
import { ServiceError, UserError } from '../../services/errors';
import { datasourceSettingsFromEnv, folderUid, pushDashboards, type PushOptions } from '../../services/grafana';
import { dashboardsPushCommand } from '../../services/cli/commands/dashboards';
import { createOutput } from '../../services/cli/output';
import { freePort } from '../../services/net';

const TOKEN = 'glsa_test_TOKEN_do_not_print_0123456789';
const PASSWORD = 'reader-secret-pw';

interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown> | undefined;
}
type Reply = { status: number; body?: unknown; raw?: string };
type Route = (req: Recorded) => Reply | undefined;

/**
 * A stand-in for Grafana's HTTP API on 127.0.0.1: keeps folders, data sources and dashboards like Grafana does
 * (uid conflicts, 404s), records every request, and lets a test replace any answer with `override`.
 */
class FakeGrafana {
  readonly requests: Recorded[] = [];
  folders: { uid: string; title: string }[] = [];
  datasources = new Map<string, Record<string, unknown>>();
  dashboards = new Map<string, Record<string, unknown>>();
  override: Route = () => undefined;
  private server!: Server;
  url = '';

  constructor(private readonly prefix = '') {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString()));
      req.on('end', () => {
        const rec: Recorded = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: data ? (JSON.parse(data) as Record<string, unknown>) : undefined,
        };
        this.requests.push(rec);
        const reply = this.override(rec) ?? this.route(rec);
        res.writeHead(reply.status, { 'Content-Type': reply.raw ? 'text/html' : 'application/json' });
        res.end(reply.raw ?? JSON.stringify(reply.body ?? {}));
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${this.prefix}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  private route(req: Recorded): Reply {
    if (!req.path.startsWith(`${this.prefix}/api/`)) return { status: 404, raw: '<html>not found</html>' };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return { status: 401, body: { message: 'invalid API key' } };
    const path = req.path.slice(this.prefix.length);
    const body = req.body ?? {};
    if (req.method === 'GET' && path.startsWith('/api/folders?')) return { status: 200, body: this.folders };
    if (req.method === 'POST' && path === '/api/folders') {
      if (this.folders.some((f) => f.uid === body.uid)) return { status: 409, body: { message: 'folder exists' } };
      this.folders.push({ uid: String(body.uid), title: String(body.title) });
      return { status: 200, body: { uid: body.uid, title: body.title, id: this.folders.length } };
    }
    if (req.method === 'POST' && path === '/api/datasources') {
      if (this.datasources.has(String(body.uid)))
        return { status: 409, body: { message: 'data source with the same uid already exists' } };
      this.datasources.set(String(body.uid), body);
      return { status: 200, body: { message: 'Datasource added', datasource: body } };
    }
    const ds = /^\/api\/datasources\/uid\/([\w-]+)$/.exec(path);
    if (ds && req.method === 'PUT') {
      if (!this.datasources.has(ds[1])) return { status: 404, body: { message: 'Data source not found' } };
      this.datasources.set(ds[1], body);
      return { status: 200, body: { message: 'Datasource updated' } };
    }
    if (ds && req.method === 'GET') {
      const found = this.datasources.get(ds[1]);
      return found ? { status: 200, body: found } : { status: 404, body: { message: 'Data source not found' } };
    }
    if (req.method === 'POST' && path === '/api/dashboards/db') {
      const d = body.dashboard as Record<string, unknown>;
      const version = Number(this.dashboards.get(String(d.uid))?.version ?? 0) + 1;
      this.dashboards.set(String(d.uid), { ...d, version });
      return {
        status: 200,
        body: { id: 7, uid: d.uid, url: `${this.prefix}/d/${String(d.uid)}/slug`, status: 'success', version },
      };
    }
    return { status: 404, body: { message: 'Not found' } };
  }
}

const dashboards = buildDashboards();
const settings = {
  url: 'db.internal:5432',
  database: 'proxysweep',
  user: 'proxysweep_reader',
  password: PASSWORD,
  sslmode: 'require' as const,
};

describe('pushDashboards against a local HTTP server', () => {
  let g: FakeGrafana;
  const push = (o: Partial<PushOptions> = {}) => pushDashboards({ url: g.url, token: TOKEN, dashboards, ...o });

  before(async () => {
    g = await new FakeGrafana().start();
  });
  after(() => g.stop());

  test('first push: creates the folder and the data source, then saves every dashboard with overwrite', async () => {
    g.requests.length = 0;
    const r = await push({ datasource: settings });
    assert.deepEqual(
      g.requests.map((x) => `${x.method} ${x.path}`),
      [
        'GET /api/folders?limit=1000&page=1',
        'POST /api/folders',
        'POST /api/datasources',
        ...dashboards.map(() => 'POST /api/dashboards/db'),
      ],
    );
    for (const req of g.requests) {
      assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
      assert.match(String(req.headers.accept), /application\/json/);
    }
    assert.deepEqual(g.requests[1].body, { uid: 'proxysweep', title: 'ProxySweep' });
    const ds = g.requests[2].body!;
    assert.equal(g.requests[2].headers['content-type'], 'application/json');
    assert.deepEqual(
      [ds.uid, ds.type, ds.access, ds.url, ds.user],
      [PG_DATASOURCE_UID, PG_DATASOURCE_TYPE, 'proxy', 'db.internal:5432', 'proxysweep_reader'],
    );
    assert.deepEqual(ds.jsonData, {
      database: 'proxysweep',
      sslmode: 'require',
      postgresVersion: 1500,
      timescaledb: false,
      maxOpenConns: 10,
    });
    assert.deepEqual(ds.secureJsonData, { password: PASSWORD });
    assert.ok(!('password' in ds) && !('database' in ds), 'no deprecated top-level keys');
    for (const [i, d] of dashboards.entries()) {
      const body = g.requests[3 + i].body!;
      assert.equal(body.folderUid, 'proxysweep');
      assert.equal(body.overwrite, true);
      assert.equal(typeof body.message, 'string');
      const sent = body.dashboard as Record<string, unknown>;
      assert.equal(sent.id, null);
      assert.equal(sent.uid, d.uid);
      assert.deepEqual({ ...sent, id: undefined }, { ...d.json, id: undefined }, 'the generated JSON, unchanged');
    }
    assert.deepEqual(r.folder, { uid: 'proxysweep', title: 'ProxySweep', created: true });
    assert.deepEqual(r.datasource, { uid: PG_DATASOURCE_UID, action: 'created' });
    assert.deepEqual(
      r.dashboards.map((d) => [d.uid, d.version, d.url]),
      dashboards.map((d) => [d.uid, 1, `${g.url}/d/${d.uid}/slug`]),
    );
  });

  test('second push: finds the folder by title, updates the data source by uid (PUT after 409), new versions', async () => {
    g.requests.length = 0;
    const r = await push({ datasource: { ...settings, password: 'rotated' } });
    assert.deepEqual(
      g.requests.slice(0, 3).map((x) => `${x.method} ${x.path}`),
      ['GET /api/folders?limit=1000&page=1', 'POST /api/datasources', `PUT /api/datasources/uid/${PG_DATASOURCE_UID}`],
    );
    assert.deepEqual((g.requests[2].body!.secureJsonData as Record<string, unknown>).password, 'rotated');
    assert.equal(r.datasource.action, 'updated');
    assert.equal(r.folder.created, false);
    assert.ok(r.dashboards.every((d) => d.version === 2));
  });

  test('without data source settings it only checks that the pinned data source exists', async () => {
    g.requests.length = 0;
    const r = await push({ folderTitle: 'Team ML / Sweeps' });
    assert.ok(!g.requests.some((x) => x.method !== 'GET' && x.path.startsWith('/api/datasources')));
    assert.equal(r.datasource.action, 'present');
    assert.equal(r.folder.uid, 'team-ml-sweeps');
    g.datasources.clear();
    assert.equal((await push()).datasource.action, 'missing');
  });

  test('an existing folder is used as is, and a name clash on the data source is explained', async () => {
    g.folders = [{ uid: 'abc123', title: 'Elsewhere' }];
    g.requests.length = 0;
    const r = await push({ folderTitle: 'Elsewhere' });
    assert.deepEqual(r.folder, { uid: 'abc123', title: 'Elsewhere', created: false });
    const saves = g.requests.filter((x) => x.path === '/api/dashboards/db');
    assert.equal(saves.length, dashboards.length);
    assert.ok(saves.every((x) => x.body!.folderUid === 'abc123'));
    assert.ok(!g.requests.some((x) => x.method === 'POST' && x.path === '/api/folders'));
    g.override = (req) =>
      req.method === 'POST' && req.path === '/api/datasources'
        ? { status: 409, body: { message: 'data source with the same name already exists' } }
        : undefined;
    try {
      await assert.rejects(
        push({ datasource: settings }),
        (e: Error) => e instanceof ServiceError && /named "ProxySweep PostgreSQL"/.test(e.message),
      );
    } finally {
      g.override = () => undefined;
    }
  });

  test('a Grafana under a sub-path works and its dashboard URLs keep the sub-path', async () => {
    const sub = await new FakeGrafana('/grafana').start();
    try {
      const r = await pushDashboards({ url: `${sub.url}/`, token: TOKEN, dashboards });
      assert.ok(sub.requests.every((x) => x.path.startsWith('/grafana/api/')));
      assert.equal(r.dashboards[0].url, `${sub.url}/d/${dashboards[0].uid}/slug`);
    } finally {
      await sub.stop();
    }
  });

  describe('errors: one line naming the fix, never the token', () => {
    const messages: string[] = [];
    const expectError = async (p: Promise<unknown>, cls: typeof UserError, pattern: RegExp) => {
      await assert.rejects(p, (e: Error) => {
        messages.push(e.message);
        assert.ok(e instanceof cls, `${e.constructor.name}: ${e.message}`);
        assert.match(e.message, pattern);
        assert.ok(!e.message.includes('\n'), 'one line');
        return true;
      });
    };
    const withOverride = async (route: Route, fn: () => Promise<void>) => {
      g.override = route;
      try {
        await fn();
      } finally {
        g.override = () => undefined;
      }
    };
    after(() => {
      assert.ok(messages.length >= 10);
      for (const m of messages) {
        assert.ok(!m.includes(TOKEN) && !m.includes('glsa_'), `token leaked: ${m}`);
        assert.ok(!m.includes(PASSWORD), `password leaked: ${m}`);
      }
    });

    test('401: bad token → check GRAFANA_TOKEN', async () => {
      await expectError(push({ token: 'wrong-token' }), ServiceError, /401.*check GRAFANA_TOKEN/);
      // Even when the server echoes the token back.
      await withOverride(
        () => ({ status: 401, body: { message: `token ${TOKEN} is revoked` } }),
        () => expectError(push(), ServiceError, /401.*GRAFANA_TOKEN/),
      );
    });

    test('403: the role needed is named (Editor for dashboards, Admin for the data source)', async () => {
      await withOverride(
        (req) =>
          req.path === '/api/datasources'
            ? { status: 403, body: { message: `Permission denied for ${TOKEN}` } }
            : undefined,
        () => expectError(push({ datasource: settings }), ServiceError, /403.*needs the Admin role/),
      );
      await withOverride(
        (req) => (req.path === '/api/dashboards/db' ? { status: 403, body: { message: 'Access denied' } } : undefined),
        () => expectError(push(), ServiceError, /save dashboard ".*" \(403 Forbidden\).*needs the Editor role/),
      );
      await withOverride(
        (req) => (req.path === '/api/folders' && req.method === 'POST' ? { status: 403, body: {} } : undefined),
        () => expectError(push({ folderTitle: 'New one' }), ServiceError, /create folder "New one".*Editor/),
      );
    });

    test('404: wrong URL or no API there', async () => {
      await expectError(
        pushDashboards({ url: `${g.url}/wrong/prefix`, token: TOKEN, dashboards }),
        ServiceError,
        /no Grafana API at .*\/wrong\/prefix\/api\/folders.*check --url/,
      );
    });

    test('412 from the dashboards API names the status and the fix', async () => {
      await withOverride(
        (req) =>
          req.path === '/api/dashboards/db'
            ? {
                status: 412,
                body: { status: 'name-exists', message: 'A dashboard with the same name in the folder already exists' },
              }
            : undefined,
        () => expectError(push(), ServiceError, /412 name-exists.*rename or delete/),
      );
      await withOverride(
        (req) =>
          req.path === '/api/dashboards/db' ? { status: 412, body: { status: 'version-mismatch' } } : undefined,
        () => expectError(push(), ServiceError, /412 version-mismatch.*push again/),
      );
    });

    test('an unreachable host, a non-Grafana answer, a server error', async () => {
      const closed = await freePort();
      await expectError(
        pushDashboards({ url: `http://127.0.0.1:${closed}`, token: TOKEN, dashboards }),
        ServiceError,
        /cannot reach Grafana at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
      );
      await withOverride(
        () => ({ status: 200, raw: '<html>welcome</html>' }),
        () => expectError(push(), ServiceError, /not JSON.*--url/),
      );
      await withOverride(
        () => ({ status: 500, body: { message: 'database is locked' } }),
        () => expectError(push(), ServiceError, /500 on GET \/api\/folders.*database is locked/),
      );
    });

    test('a redirect (http → https, login page) and a Grafana that never answers', async () => {
      await withOverride(
        () => ({ status: 302, body: {} }),
        () => expectError(push(), ServiceError, /redirected GET \/api\/folders.*\(302\).*final URL/),
      );
      const silent = createServer(() => undefined);
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      try {
        const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
        await expectError(
          pushDashboards({ url, token: TOKEN, dashboards, timeoutMs: 300 }),
          ServiceError,
          /did not answer within 0\.3s/,
        );
      } finally {
        silent.closeAllConnections();
        await new Promise((r) => silent.close(r));
      }
    });

    test('bad input is caught before any request', async () => {
      const before = g.requests.length;
      await expectError(push({ token: '' }), UserError, /set GRAFANA_TOKEN/);
      await expectError(push({ url: 'grafana:3000' }), UserError, /http:\/\/ or https:\/\//);
      await expectError(push({ url: 'not a url' }), UserError, /not a URL/);
      await expectError(
        push({ url: `http://admin:${TOKEN}@127.0.0.1:3000` }),
        UserError,
        /must not contain credentials/,
      );
      assert.equal(g.requests.length, before);
    });
  });
});

describe('data source settings from the environment', () => {
  test('PROXYSWEEP_PG_URL, with sslmode from the URL or a safe default', () => {
    assert.deepEqual(
      datasourceSettingsFromEnv({
        PROXYSWEEP_PG_URL: 'postgres://proxysweep_reader:p%40ss@db.example:6543/sweeps?sslmode=verify-full',
      }),
      {
        url: 'db.example:6543',
        database: 'sweeps',
        user: 'proxysweep_reader',
        password: 'p@ss',
        sslmode: 'verify-full',
      },
    );
    assert.equal(
      datasourceSettingsFromEnv({ PROXYSWEEP_PG_URL: 'postgresql://r:p@db.example/sweeps' }).sslmode,
      'require',
    );
    assert.equal(
      datasourceSettingsFromEnv({ PROXYSWEEP_PG_URL: 'postgres://r:p@localhost/sweeps' }).sslmode,
      'disable',
    );
    assert.equal(
      datasourceSettingsFromEnv({ PROXYSWEEP_PG_URL: 'postgres://r:p@localhost/sweeps' }).url,
      'localhost:5432',
    );
  });

  test('or the provisioning variables; a missing one is named, DATABASE_URL is not used', () => {
    assert.deepEqual(
      datasourceSettingsFromEnv({
        PROXYSWEEP_PG_HOST: 'postgres:5432',
        PROXYSWEEP_PG_DATABASE: 'proxysweep',
        PROXYSWEEP_PG_USER: 'proxysweep_reader',
        PROXYSWEEP_PG_PASSWORD: 'x',
        PROXYSWEEP_PG_SSLMODE: 'disable',
      }),
      { url: 'postgres:5432', database: 'proxysweep', user: 'proxysweep_reader', password: 'x', sslmode: 'disable' },
    );
    assert.throws(
      () => datasourceSettingsFromEnv({ DATABASE_URL: 'postgres://w:p@h/db', PROXYSWEEP_PG_HOST: 'h:5432' }),
      (e: Error) =>
        e instanceof UserError &&
        /PROXYSWEEP_PG_URL .* or PROXYSWEEP_PG_DATABASE, PROXYSWEEP_PG_USER, PROXYSWEEP_PG_PASSWORD/.test(e.message),
    );
    assert.throws(() => datasourceSettingsFromEnv({ PROXYSWEEP_PG_URL: 'mysql://a:b@h/db' }), UserError);
    assert.throws(
      () => datasourceSettingsFromEnv({ PROXYSWEEP_PG_URL: 'postgres://a:b@h/db?sslmode=prefer' }),
      /sslmode "prefer"/,
    );
  });

  test('folder uids derive from titles', () => {
    assert.deepEqual(['ProxySweep', 'Team ML / Sweeps', '***', 'x'.repeat(60)].map(folderUid), [
      'proxysweep',
      'team-ml-sweeps',
      'proxysweep',
      'x'.repeat(40),
    ]);
  });
});

describe('proxysweep dashboards push (command)', () => {
  let g: FakeGrafana;
  const saved = { ...process.env };
  before(async () => {
    g = await new FakeGrafana().start();
  });
  after(async () => {
    process.env = saved;
    await g.stop();
  });

  test('reads GRAFANA_TOKEN and PROXYSWEEP_PG_URL from the environment; --json output holds neither secret', async () => {
    process.env.GRAFANA_TOKEN = TOKEN;
    process.env.PROXYSWEEP_PG_URL = `postgres://proxysweep_reader:${PASSWORD}@db:5432/proxysweep?sslmode=disable`;
    for (const json of [true, false]) {
      let text = '';
      const stream = new Writable({
        write(chunk: Buffer, _enc, cb) {
          text += chunk.toString();
          cb();
        },
      });
      const r = await dashboardsPushCommand({ url: g.url, withDatasource: true }, createOutput(json, stream));
      assert.equal(r.dashboards.length, dashboards.length);
      assert.ok(!text.includes(TOKEN) && !text.includes(PASSWORD), 'no secret in the output');
      if (json) assert.equal(JSON.parse(text).folder.title, 'ProxySweep');
      else assert.match(text, /pushed 3 dashboards to http:\/\/127\.0\.0\.1:\d+, folder "ProxySweep"/);
    }
    assert.equal((g.datasources.get(PG_DATASOURCE_UID)!.secureJsonData as Record<string, string>).password, PASSWORD);
  });

  test('--with-datasource without settings fails before sending anything', async () => {
    delete process.env.PROXYSWEEP_PG_URL;
    const before = g.requests.length;
    await assert.rejects(
      dashboardsPushCommand(
        { url: g.url, withDatasource: true },
        createOutput(true, new Writable({ write: (_c, _e, cb) => cb() })),
      ),
      /needs the read-only connection/,
    );
    assert.equal(g.requests.length, before);
  });
});
