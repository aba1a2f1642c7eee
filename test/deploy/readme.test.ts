import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDotenv } from '../helpers/compose-interpolation';
import {
  cliKnows,
  cliUsageProblems,
  markdownCode,
  PENDING,
  proxysweepCommandLines,
  readText,
  readYaml,
  repoPath,
  ROOT,
} from '../helpers/deploy-files';

/** The README's deployment walkthroughs: from "Deploying" to the end of the "On a cluster" section. */
function walkthrough(): string {
  const readme = readText('README.md');
  const start = readme.indexOf('#### Deploying: a lab server, Kubernetes, Slurm');
  const end = readme.indexOf('\n### ', start);
  assert.ok(start > 0 && end > start, 'the README has the deployment walkthroughs');
  return readme.slice(start, end);
}

const text = walkthrough();

/** Variables the project knows: the deployment files' and every `process.env.X` / env('X') in the sources and deployment tests. */
function knownVariables(): Set<string> {
  const known = new Set<string>([
    ...Object.keys(parseDotenv(readText('infra', 'compose', '.env.example'))),
    ...Object.keys(parseDotenv(readText('infra', 'k8s', 'config.env'))),
    ...Object.keys(readYaml<{ stringData: Record<string, string> }>('infra', 'k8s', 'secret.template.yaml').stringData),
    ...Object.keys(readYaml<{ env: Record<string, string> }>('infra', 'k8s', 'grafana', 'values.yaml').env),
  ]);
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') || entry.name.endsWith('.sh') || entry.name.endsWith('.sbatch')) {
        const src = readFileSync(path, 'utf8');
        for (const m of src.matchAll(
          /process\.env\.([A-Z][A-Z0-9_]+)|env\('([A-Z][A-Z0-9_]+)'\)|\$\{([A-Z][A-Z0-9_]+)[:}-]/g,
        )) {
          known.add(m[1] ?? m[2] ?? m[3]);
        }
      }
    }
  };
  for (const dir of ['services', 'infra', 'test/deploy']) walk(repoPath(dir));
  return known;
}

describe('README: the deployment walkthroughs name only what exists', () => {
  test('every file and folder they name exists', () => {
    const paths = new Set<string>();
    for (const m of text.matchAll(/(?:\(|`)((?:infra|dashboards|examples)\/[\w./-]*?)(?:\)|`|#)/g)) paths.add(m[1]);
    for (const m of text.matchAll(/\s((?:infra|examples)\/[\w./-]+\.(?:yaml|sh|sbatch|sql|md))\b/g)) paths.add(m[1]);
    assert.ok(paths.size >= 10, [...paths].join(', '));
    // What a team creates from a template (`cp infra/compose/.env.example infra/compose/.env`) holds its passwords:
    // it need not exist, but git must ignore it.
    const created = new Set([...markdownCode(text).matchAll(/\bcp \S+ (\S+)/g)].map((m) => m[1]));
    for (const p of paths) {
      if (created.has(p)) {
        const ignored = spawnSync('git', ['check-ignore', '--no-index', '-q', p], { cwd: ROOT });
        assert.equal(ignored.status, 0, `${p}, created by the walkthrough, is git-ignored`);
      } else assert.ok(existsSync(join(ROOT, p)), `${p} exists`);
    }
  });

  test('every proxysweep command and option they show exists (or is PENDING from another branch)', () => {
    const lines = proxysweepCommandLines(markdownCode(text));
    // Commands run through the worker image: `docker compose run … worker-cpu <args>`, `kubectl exec … -- proxysweep`.
    for (const m of text.matchAll(/run --rm (?:-v \S+ )?worker-cpu ([^\n`]+)/g)) lines.push(m[1].trim().split(/\s+/));
    assert.ok(lines.length >= 8, `found ${lines.length} command lines`);
    for (const words of lines) assert.deepEqual(cliUsageProblems(words), [], `proxysweep ${words.join(' ')}`);
  });

  test('every variable they name is one the deployment files or the code know', () => {
    const known = knownVariables();
    const named = new Set([...text.matchAll(/\b([A-Z][A-Z0-9]*_[A-Z0-9_]+)\b/g)].map((m) => m[1]));
    assert.ok(named.has('DATABASE_URL') && named.has('TEMPORAL_ADDRESS'));
    for (const v of named) assert.ok(known.has(v), `${v} is read somewhere or defined in infra/`);
    // And the other way round: the passwords a team must set are all explained.
    for (const v of [
      'POSTGRES_PASSWORD',
      'GRAFANA_ADMIN_PASSWORD',
      'GRAFANA_DB_PASSWORD',
      'TEMPORAL_DB_PASSWORD',
      'PROXYSWEEP_LISTEN',
    ]) {
      assert.ok(text.includes(v) || readText('infra', 'compose', '.env.example').includes(v), v);
    }
  });

  test('compose services, Dockerfile targets, Kubernetes objects and chart settings they name exist', () => {
    const compose = readYaml<{ services: Record<string, { profiles?: string[] }> }>('infra', 'compose', 'compose.yaml');
    for (const m of text.matchAll(/\b(worker-(?:cpu|gpu))\b/g))
      assert.ok(compose.services[m[1]], `compose service ${m[1]}`);
    assert.ok(compose.services['worker-gpu'].profiles?.includes('gpu'));
    const dockerfile = readText('infra', 'docker', 'Dockerfile');
    for (const m of text.matchAll(/--target (\S+)/g)) assert.match(dockerfile, new RegExp(`^FROM .* AS ${m[1]}$`, 'm'));
    const k8s = ['worker-gpu.yaml', 'worker-workflows.yaml'].map((f) => readText('infra', 'k8s', f)).join('\n');
    for (const m of text.matchAll(/(?<![\w/])deploy\/([\w-]+)(?: -c ([\w-]+))?/g)) {
      assert.match(k8s, new RegExp(`^  name: ${m[1]}$`, 'm'), `Deployment ${m[1]}`);
      if (m[2]) assert.match(k8s, new RegExp(`- name: ${m[2]}$`, 'm'), `container ${m[2]}`);
    }
    const kustomization = readYaml<{ images: { name: string; newTag: string }[] }>(
      'infra',
      'k8s',
      'kustomization.yaml',
    );
    for (const m of text.matchAll(/kustomize edit set image ([\w-]+)=\S+:(\S+)/g)) {
      const image = kustomization.images.find((i) => i.name === m[1]);
      assert.equal(image?.newTag, m[2], `image ${m[1]} tag`);
    }
    // `--set a.b.c=v` must name a setting our values file has (a typo would add a new, unused one).
    const values: Record<string, unknown> = {
      temporal: readYaml('infra', 'k8s', 'temporal', 'values.yaml'),
      grafana: readYaml('infra', 'k8s', 'grafana', 'values.yaml'),
    };
    for (const m of text.matchAll(
      /helm install (\w+) [\w-]+\/(\w+) --version (\S+) [^\n]*-f (\S+)((?:[^\n]*\\\n)*[^\n]*)/g,
    )) {
      const [, release, chart, version, file, rest] = m;
      assert.match(
        readText(file),
        new RegExp(`--version ${version.replace(/\./g, '\\.')}`),
        `${file} names chart ${chart} ${version}`,
      );
      for (const set of rest.matchAll(/--set ([\w.]+)=/g)) {
        const found = set[1]
          .split('.')
          .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], values[chart]);
        assert.notEqual(found, undefined, `${file} has ${set[1]}`);
      }
      if (chart === 'temporal')
        assert.equal(release, 'temporal', 'the frontend Service temporal-frontend depends on it');
    }
  });

  test('PENDING lists only what this branch still lacks (remove an entry once its branch is merged)', () => {
    for (const [name, from] of Object.entries(PENDING)) {
      assert.equal(cliKnows(name.split(' ')), false, `"${name}" exists now (${from}): remove it from PENDING`);
    }
  });
});
