import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap, Namespace, Secret, Service } from 'kubernetes-types/core/v1';
import type { Container, EnvVar } from 'kubernetes-types/core/v1';
import type { Deployment } from 'kubernetes-types/apps/v1';
import { requireDeployTool } from '../../scripts/deploy-tools';
import { WORKER_SHUTDOWN_FORCE_SECONDS } from '../../services/temporal/worker-shutdown';
import { parseDotenv } from '../helpers/compose-interpolation';
import {
  cliUsageProblems,
  readText,
  readYaml,
  repoPath,
  TEMPORAL_RELEASE,
  yamlDocuments,
} from '../helpers/deploy-files';

type Resource = Deployment | ConfigMap | Secret | Namespace;

/** Kubernetes releases the manifests must be valid for: an old one still common, and a current one. */
const KUBERNETES_VERSIONS = ['1.30.0', '1.35.0'];

let rendered: string;
let resources: Resource[];

const kind = <T extends Resource>(k: string) => resources.filter((r) => r.kind === k) as T[];
const deployment = (name: string) => {
  const d = kind<Deployment>('Deployment').find((x) => x.metadata?.name === name);
  assert.ok(d, `Deployment ${name}`);
  return d;
};
const podContainers = (d: Deployment): Container[] => [
  ...(d.spec?.template.spec?.initContainers ?? []),
  ...(d.spec?.template.spec?.containers ?? []),
];
const secretKeys = () => Object.keys(readYaml<Secret>('infra', 'k8s', 'secret.template.yaml').stringData ?? {});

/** Runs kubernetes-validate --strict (Kubernetes' JSON schemas; unknown fields fail) on a YAML stream. */
function validateStrict(yamlText: string, version: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ps-k8s-'));
  const file = join(dir, 'resources.yaml');
  writeFileSync(file, yamlText);
  const r = spawnSync(requireDeployTool('kubernetesValidate'), ['--strict', '--quiet', '-k', version, file], {
    encoding: 'utf8',
  });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

describe('infra/k8s (kustomize)', () => {
  before(() => {
    const r = spawnSync(requireDeployTool('kustomize'), ['build', repoPath('infra', 'k8s')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    rendered = r.stdout;
    resources = yamlDocuments<Resource>(rendered);
  });

  test('kustomize build output is valid for Kubernetes, strictly (no unknown fields)', () => {
    assert.ok(resources.length >= 7);
    for (const version of KUBERNETES_VERSIONS) {
      const r = validateStrict(rendered, version);
      assert.ok(r.ok, `Kubernetes ${version}: ${r.output}`);
    }
    // The validator guards what it should: a misspelt field fails.
    const typo = validateStrict(
      rendered.replace('terminationGracePeriodSeconds', 'terminationGracePeriodSecond'),
      KUBERNETES_VERSIONS[0],
    );
    assert.equal(typo.ok, false);
    assert.match(typo.output, /terminationGracePeriodSecond/);
  });

  test('a GPU worker pod asks for exactly one GPU and runs one cell (one slot), no workflow tasks', () => {
    const gpu = deployment('proxysweep-worker-gpu');
    for (const c of podContainers(gpu)) {
      assert.equal(String(c.resources?.limits?.['nvidia.com/gpu']), '1', `${c.name}: nvidia.com/gpu: 1`);
    }
    const worker = gpu.spec!.template.spec!.containers[0];
    const args = worker.args ?? [];
    assert.equal(args[0], 'worker');
    assert.equal(args[args.indexOf('--slots') + 1], '1');
    assert.ok(args.includes('--no-workflows'));
    assert.ok(!args.includes('--gpus'), 'one GPU per pod: no supervisor of several');
    assert.deepEqual(cliUsageProblems(args), []);
    const env = Object.fromEntries((worker.env ?? []).map((e) => [e.name, e.value]));
    assert.equal(
      env.PROXYSWEEP_BACKEND,
      'tensorflow-gpu',
      'a GPU pod without a GPU backend fails instead of training on CPU',
    );
  });

  test('the GPU pod checks itself with `proxysweep doctor` first, in the same environment as its worker', () => {
    const spec = deployment('proxysweep-worker-gpu').spec!.template.spec!;
    const doctor = spec.initContainers?.find((c) => c.name === 'doctor');
    assert.ok(doctor);
    assert.equal(doctor.args?.[0], 'doctor');
    assert.deepEqual(cliUsageProblems(doctor.args ?? []), []);
    const worker = spec.containers[0];
    assert.deepEqual(doctor.env, worker.env);
    assert.deepEqual(doctor.envFrom, worker.envFrom);
    assert.deepEqual(doctor.volumeMounts, worker.volumeMounts);
    assert.equal(doctor.image, worker.image);
  });

  test('workflow tasks run in a small CPU Deployment that trains nothing', () => {
    const wf = deployment('proxysweep-workflows');
    const c = wf.spec!.template.spec!.containers[0];
    assert.ok(c.args?.includes('--no-activities'));
    assert.deepEqual(cliUsageProblems(c.args ?? []), []);
    assert.equal(c.resources?.limits?.['nvidia.com/gpu'], undefined);
    assert.ok((wf.spec?.replicas ?? 1) >= 2, 'a sweep never waits for one pod to restart');
  });

  test('every worker pod outlasts the worker shutdown, so SIGKILL never beats the checkpoint', () => {
    const all = kind<Deployment>('Deployment');
    assert.equal(all.length, 2);
    for (const d of all) {
      const grace = d.spec?.template.spec?.terminationGracePeriodSeconds ?? 30;
      assert.ok(
        grace > WORKER_SHUTDOWN_FORCE_SECONDS,
        `${d.metadata?.name}: terminationGracePeriodSeconds ${grace} must exceed the worker's ${WORKER_SHUTDOWN_FORCE_SECONDS} s shutdown`,
      );
      assert.equal(d.spec?.template.spec?.securityContext?.runAsNonRoot, true, `${d.metadata?.name} runs as non-root`);
    }
  });

  test('secrets only by reference: no Secret in the output, credentials only through secretKeyRef to keys that exist', () => {
    assert.equal(kind('Secret').length, 0);
    const keys = secretKeys();
    for (const d of kind<Deployment>('Deployment')) {
      for (const c of podContainers(d)) {
        for (const e of c.env ?? ([] as EnvVar[])) {
          if (/DATABASE_URL|PASSWORD|SECRET|TOKEN|API_KEY/.test(e.name)) {
            assert.equal(e.value, undefined, `${d.metadata?.name}/${c.name}: ${e.name} must not have a value`);
            const ref = e.valueFrom?.secretKeyRef;
            assert.ok(ref, `${e.name} comes from a Secret`);
            assert.equal(ref.name, 'proxysweep');
            assert.ok(keys.includes(ref.key), `${ref.key} is in secret.template.yaml`);
          }
          assert.doesNotMatch(String(e.value ?? ''), /:\/\/[^:@/]+:[^@/]+@/);
        }
      }
    }
    for (const cm of kind<ConfigMap>('ConfigMap')) {
      assert.doesNotMatch(
        JSON.stringify(cm.data ?? {}),
        /:\/\/[^:@/"]+:[^@/"$]+@/,
        `${cm.metadata?.name} holds no credentials`,
      );
    }
  });

  test('the Secret template validates, holds no value, and is not applied by kustomize', () => {
    const text = readText('infra', 'k8s', 'secret.template.yaml');
    const r = validateStrict(text, KUBERNETES_VERSIONS[1]);
    assert.ok(r.ok, r.output);
    const secret = readYaml<Secret>('infra', 'k8s', 'secret.template.yaml');
    for (const [k, v] of Object.entries(secret.stringData ?? {})) assert.equal(v, '', `${k} is empty in the template`);
    const kustomization = readYaml<{ resources: string[] }>('infra', 'k8s', 'kustomization.yaml');
    assert.ok(!kustomization.resources.some((r) => r.includes('secret')));
  });

  test('proxysweep-config holds the settings the workers read, none secret', () => {
    const cm = kind<ConfigMap>('ConfigMap').find((c) => c.metadata?.name?.startsWith('proxysweep-config-'));
    assert.ok(cm, 'a hashed proxysweep-config, so a change rolls the pods');
    const env = parseDotenv(readText('infra', 'k8s', 'config.env'));
    assert.deepEqual(cm.data, env);
    for (const d of kind<Deployment>('Deployment')) {
      for (const c of podContainers(d)) assert.equal(c.envFrom?.[0]?.configMapRef?.name, cm.metadata?.name);
    }
    for (const key of Object.keys(env)) assert.doesNotMatch(key, /PASSWORD|SECRET|TOKEN|API_KEY|DATABASE_URL/);
    assert.equal(env.PROXYSWEEP_DATASET_DIR, '/data');
  });

  test('each generated dashboard is one ConfigMap the Grafana sidecar loads, small enough for kubectl apply', () => {
    const generated = readdirSync(repoPath('dashboards', 'generated')).filter((f) => f.endsWith('.json'));
    const maps = kind<ConfigMap>('ConfigMap').filter((c) => c.metadata?.labels?.grafana_dashboard === '1');
    const files = maps.flatMap((c) => Object.keys(c.data ?? {}));
    assert.deepEqual(files.sort(), generated.sort(), 'dashboards/kustomization.yaml lists every generated dashboard');
    for (const c of maps) {
      for (const [file, content] of Object.entries(c.data ?? {})) {
        assert.equal(content, readText('dashboards', 'generated', file));
      }
      // kubectl apply keeps the whole object in an annotation of at most 256 KiB.
      assert.ok(JSON.stringify(c).length < 200 * 1024, `${c.metadata?.name} is too large for kubectl apply`);
    }
    const ds = kind<ConfigMap>('ConfigMap').find((c) => c.metadata?.labels?.grafana_datasource === '1');
    assert.equal(
      ds?.data?.['proxysweep.yaml'],
      readText('infra', 'grafana', 'provisioning', 'datasources', 'proxysweep.yaml'),
    );
  });

  test('images are pinned to this version; everything lands in the proxysweep namespace', () => {
    const version = (JSON.parse(readText('package.json')) as { version: string }).version;
    for (const d of kind<Deployment>('Deployment')) {
      for (const c of podContainers(d))
        assert.match(c.image ?? '', new RegExp(`^proxysweep-worker:${version.replace(/\./g, '\\.')}-(gpu|cpu)$`));
    }
    for (const r of resources.filter((x) => x.kind !== 'Namespace')) assert.equal(r.metadata?.namespace, 'proxysweep');
  });
});

/**
 * An upstream chart to render with `helm template`. Charts are on no package registry, so CI cannot fetch
 * them: the test runs where `envVar` (its value `dir`) names the unpacked chart, e.g. from a clone of the chart's
 * repository at the chart's release, and helm is on PATH or PROXYSWEEP_HELM (`go install
 * helm.sh/helm/v3/cmd/helm@v3.22.0`); elsewhere it prints that it was skipped.
 */
function helmChart(
  dir: string | undefined,
  envVar: string,
  name: string,
  version: string,
): { dir?: string; skip: string | false } {
  const helmWorks = spawnSync(helm, ['version'], { encoding: 'utf8' }).status === 0;
  const skip =
    !dir || !existsSync(join(dir, 'Chart.yaml'))
      ? `${envVar} does not name the unpacked upstream chart ${name} ${version} (it is on no package registry)`
      : !helmWorks
        ? 'helm is not installed (PROXYSWEEP_HELM or PATH)'
        : !new RegExp(`^version: ${version.replace(/\./g, '\\.')}$`, 'm').test(
              readFileSync(join(dir, 'Chart.yaml'), 'utf8'),
            )
          ? `${dir} is not chart ${name} ${version}`
          : false;
  if (skip) console.log(`# helm template of the upstream ${name} chart skipped: ${skip}`);
  return { dir, skip };
}

const helm = process.env.PROXYSWEEP_HELM ?? 'helm';

/** `helm template` of a chart with values, validated strictly for every Kubernetes version; no Secret made. */
function helmTemplate(dir: string, release: string, values: string): { docs: (Resource | Service)[]; text: string } {
  const r = spawnSync(
    helm,
    ['template', release, dir, '-n', 'proxysweep', '--kube-version', KUBERNETES_VERSIONS[0], '-f', values],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0, r.stderr);
  for (const version of KUBERNETES_VERSIONS) {
    const v = validateStrict(r.stdout, version);
    assert.ok(v.ok, `Kubernetes ${version}: ${v.output}`);
  }
  const docs = yamlDocuments<Resource | Service>(r.stdout);
  assert.equal(docs.filter((d) => d.kind === 'Secret').length, 0, 'existingSecret: the chart makes no Secret');
  return { docs, text: r.stdout };
}

interface TemporalValues {
  server: {
    image: { tag: string };
    config: {
      persistence: { datastores: Record<string, { sql: Record<string, unknown> }> };
      namespaces: { create: boolean; namespace: { name: string }[] };
    };
    dynamicConfig: Record<string, unknown>;
  };
  admintools: { image: { tag: string } };
}

describe('infra/k8s/temporal/values.yaml (upstream chart temporalio/helm-charts)', () => {
  const values = readYaml<TemporalValues>('infra', 'k8s', 'temporal', 'values.yaml');
  const config = parseDotenv(readText('infra', 'k8s', 'config.env'));

  test('pins the Temporal release every deployment uses', () => {
    assert.equal(values.server.image.tag, TEMPORAL_RELEASE);
    assert.equal(values.admintools.image.tag, TEMPORAL_RELEASE);
    assert.match(
      readText('infra', 'k8s', 'temporal', 'values.yaml'),
      /--version 1\.6\.0/,
      'the chart version is pinned',
    );
  });

  test('both stores on PostgreSQL, the password only by reference to the proxysweep Secret', () => {
    const keys = secretKeys();
    for (const store of ['default', 'visibility']) {
      const sql = values.server.config.persistence.datastores[store].sql;
      assert.equal(sql.pluginName, 'postgres12');
      assert.equal(sql.password, undefined, `${store}: no password in values`);
      assert.equal(sql.existingSecret, 'proxysweep');
      assert.ok(keys.includes(String(sql.secretKey)), `${store}: ${String(sql.secretKey)} is in secret.template.yaml`);
    }
    assert.doesNotMatch(readText('infra', 'k8s', 'temporal', 'values.yaml'), /^\s*password:/m);
  });

  test('creates the namespace the workers use; the workers find the frontend the chart names', () => {
    assert.equal(values.server.config.namespaces.create, true);
    assert.ok(values.server.config.namespaces.namespace.some((n) => n.name === config.TEMPORAL_NAMESPACE));
    // Release `temporal` in namespace proxysweep: the chart's frontend Service is temporal-frontend.
    assert.equal(config.TEMPORAL_ADDRESS, 'temporal-frontend.proxysweep.svc.cluster.local:7233');
    assert.match(
      readText('infra', 'k8s', 'temporal', 'values.yaml'),
      /helm install temporal temporal\/temporal .*-n proxysweep/,
    );
    assert.ok('frontend.enableUpdateWorkflowExecution' in values.server.dynamicConfig, 'sweep resize needs updates');
  });

  const chart = helmChart(process.env.PROXYSWEEP_TEMPORAL_CHART, 'PROXYSWEEP_TEMPORAL_CHART', 'temporal', '1.6.0');
  test(
    'helm template of the upstream chart with these values is valid Kubernetes and uses the Secret',
    { skip: chart.skip },
    () => {
      const { docs, text } = helmTemplate(chart.dir!, 'temporal', repoPath('infra', 'k8s', 'temporal', 'values.yaml'));
      const frontend = docs.find((d): d is Service => d.kind === 'Service' && d.metadata?.name === 'temporal-frontend');
      assert.ok(
        frontend?.spec?.ports?.some((p) => p.port === 7233),
        'the frontend Service the workers dial',
      );
      assert.match(text, /key: TEMPORAL_DB_PASSWORD/);
      assert.match(text, new RegExp(`image: "temporalio/server:${TEMPORAL_RELEASE.replace(/\./g, '\\.')}"`));
    },
  );
});

interface GrafanaValues {
  image: { tag: string };
  admin: { existingSecret: string; userKey: string; passwordKey: string };
  env: Record<string, string>;
  envValueFrom: Record<string, { secretKeyRef: { name: string; key: string } }>;
  sidecar: Record<
    'dashboards' | 'datasources',
    { enabled: boolean; label: string; labelValue: string; folderAnnotation?: string }
  >;
}

describe('infra/k8s/grafana/values.yaml (upstream chart grafana-community/helm-charts)', () => {
  const values = readYaml<GrafanaValues>('infra', 'k8s', 'grafana', 'values.yaml');

  test('Grafana gets every variable the data source reads, passwords only from the proxysweep Secret', () => {
    const keys = secretKeys();
    const datasource = readText('infra', 'grafana', 'provisioning', 'datasources', 'proxysweep.yaml');
    for (const m of datasource.matchAll(/\$__env\{(\w+)\}/g)) {
      assert.ok(values.env[m[1]] !== undefined || values.envValueFrom[m[1]], `Grafana is given ${m[1]}`);
    }
    for (const [name, ref] of Object.entries(values.envValueFrom)) {
      assert.equal(ref.secretKeyRef.name, 'proxysweep', name);
      assert.ok(keys.includes(ref.secretKeyRef.key), `${ref.secretKeyRef.key} is in secret.template.yaml`);
    }
    for (const name of Object.keys(values.env))
      assert.doesNotMatch(name, /PASSWORD/, `${name} must come from the Secret`);
    assert.equal(values.admin.existingSecret, 'proxysweep');
    assert.ok(keys.includes(values.admin.userKey) && keys.includes(values.admin.passwordKey));
  });

  test('its sidecars look for the labels the dashboard and data source ConfigMaps carry; same Grafana as compose', () => {
    const dashboards = readYaml<{
      generatorOptions: { labels: Record<string, string>; annotations: Record<string, string> };
    }>('dashboards', 'kustomization.yaml');
    const datasource = readYaml<{ generatorOptions: { labels: Record<string, string> } }>(
      'infra',
      'grafana',
      'kustomization.yaml',
    );
    const d = values.sidecar.dashboards;
    assert.ok(d.enabled && dashboards.generatorOptions.labels[d.label] === d.labelValue);
    assert.ok(d.folderAnnotation && dashboards.generatorOptions.annotations[d.folderAnnotation]);
    const s = values.sidecar.datasources;
    assert.ok(s.enabled && datasource.generatorOptions.labels[s.label] === s.labelValue);
    const compose = readYaml<{ services: { grafana: { image: string } } }>('infra', 'compose', 'compose.yaml');
    assert.equal(`grafana/grafana:${values.image.tag}`, compose.services.grafana.image);
  });

  const chart = helmChart(process.env.PROXYSWEEP_GRAFANA_CHART, 'PROXYSWEEP_GRAFANA_CHART', 'grafana', '12.11.1');
  test(
    'helm template of the upstream chart with these values is valid Kubernetes and uses the Secret',
    { skip: chart.skip },
    () => {
      const { text } = helmTemplate(chart.dir!, 'grafana', repoPath('infra', 'k8s', 'grafana', 'values.yaml'));
      assert.match(text, new RegExp(`image: "docker.io/grafana/grafana:${values.image.tag.replace(/\./g, '\\.')}"`));
      assert.match(text, /key: GRAFANA_DB_PASSWORD/);
      assert.match(text, /name: FOLDER_ANNOTATION\n\s+value: "grafana_folder"/);
    },
  );
});
