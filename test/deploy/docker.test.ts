import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { cliUsageProblems, proxysweepCommandLines, readText, repoPath } from '../helpers/deploy-files';

const text = readText('infra', 'docker', 'Dockerfile');
const dockerfile = DockerfileParser.parse(text);
const args = Object.fromEntries(
  dockerfile.getInitialARGs().map((a) => [a.getProperty()!.getName(), a.getProperty()!.getValue() ?? '']),
);
const pkg = JSON.parse(readText('package.json')) as {
  version: string;
  engines: { node: string };
  dependencies: Record<string, string>;
};

interface Stage {
  name: string;
  /** The stage or image it starts from, ARGs resolved. */
  from: string;
  instructions: Instruction[];
}

/** The stages in order, each with its own instructions (FROM excluded). */
function stages(): Stage[] {
  const list: Stage[] = [];
  for (const i of dockerfile.getInstructions()) {
    if (i.getKeyword() === 'FROM') {
      const from = dockerfile.getFROMs().find((f) => f.getRange().start.line === i.getRange().start.line)!;
      const image = from.getImage()!.replace(/^\$\{(\w+)\}$/, (_, a: string) => args[a]);
      list.push({ name: from.getBuildStage()!, from: image, instructions: [] });
    } else if (list.length) list[list.length - 1].instructions.push(i);
  }
  return list;
}

const byName = new Map(stages().map((s) => [s.name, s]));

/** A target's instructions from its first external image down to itself, in order. */
function lineage(target: string): { image: string; instructions: Instruction[] } {
  const stage = byName.get(target);
  assert.ok(stage, `stage ${target}`);
  if (byName.has(stage.from)) {
    const parent = lineage(stage.from);
    return { image: parent.image, instructions: [...parent.instructions, ...stage.instructions] };
  }
  return { image: stage.from, instructions: stage.instructions };
}

/** An instruction's arguments as written, flags included (continuation lines joined). */
const content = (i: Instruction) =>
  i
    .getTextContent()
    .slice(i.getKeyword().length)
    .trim()
    .replace(/\\\n\s*/g, ' ');
const ofKind = (list: Instruction[], keyword: string) => list.filter((i) => i.getKeyword() === keyword);
const last = (list: Instruction[], keyword: string) => {
  const found = ofKind(list, keyword).pop();
  return found ? content(found) : '';
};
const envOf = (list: Instruction[]) => ofKind(list, 'ENV').map(content).join(' ');
const runs = (list: Instruction[]) => ofKind(list, 'RUN').map(content);

const TARGETS = ['cpu', 'gpu', 'gpu-cuda11'];

describe('infra/docker/Dockerfile', () => {
  test('is a valid Dockerfile (dockerfile-utils finds no problem)', () => {
    assert.deepEqual(
      validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`),
      [],
    );
    // The linter guards what it should: a broken instruction is reported.
    assert.ok(validate(text.replace('ENTRYPOINT ["/usr/bin/tini"', 'ENTRYPOINT ["/usr/bin/tini"\nFROMM x')).length > 0);
  });

  test('every base image is pinned, and Node is the major version package.json asks for', () => {
    for (const s of stages().filter((x) => !byName.has(x.from))) {
      const [, tag] = s.from.split(':');
      assert.ok(tag && /\d/.test(tag) && !/latest/.test(tag), `stage ${s.name}: ${s.from} is not pinned`);
    }
    const nodeMajor = /(\d+)/.exec(pkg.engines.node)![1];
    assert.match(args.NODE_IMAGE, new RegExp(`^node:${nodeMajor}\\.\\d+\\.\\d+-bookworm-slim$`));
  });

  for (const target of TARGETS) {
    test(`${target}: tini is PID 1, the user is not root, the default command is the worker`, () => {
      const { instructions } = lineage(target);
      assert.ok(
        runs(instructions).some((r) => /apt-get install .*\btini\b/.test(r)),
        'tini installed',
      );
      const entrypoint = JSON.parse(last(instructions, 'ENTRYPOINT')) as string[];
      assert.deepEqual(entrypoint.slice(0, 2), ['/usr/bin/tini', '--'], 'tini forwards SIGTERM to the worker');
      assert.ok(!entrypoint.includes('-g'), 'no process-group signalling: `worker --gpus` forwards signals itself');
      assert.deepEqual(entrypoint.slice(2), ['node', '/app/bin/proxysweep.js']);
      assert.deepEqual(JSON.parse(last(instructions, 'CMD')), ['worker']);
      const user = last(instructions, 'USER');
      assert.ok(user && user !== 'root' && user !== '0', `USER ${user || '(none)'}`);
      assert.match(envOf(instructions), /PROXYSWEEP_DATASET_DIR=\/data/);
    });
  }

  test('production dependencies only: the runtime copies node_modules from `npm ci --omit=dev`, dist from the build', () => {
    assert.ok(runs(byName.get('deps')!.instructions).some((r) => /npm ci --omit=dev/.test(r)));
    assert.ok(runs(byName.get('build')!.instructions).some((r) => r === 'npm run build'));
    for (const target of ['cpu', 'gpu-cuda11']) {
      const copies = ofKind(byName.get(target)!.instructions, 'COPY').map(content);
      assert.ok(
        copies.some((c) => /^--from=deps(-cuda11)? \/app\/node_modules/.test(c)),
        `${target}: node_modules`,
      );
      assert.ok(
        copies.some((c) => c.startsWith('--from=build /app/dist')),
        `${target}: dist`,
      );
    }
  });

  test('gpu: the CUDA 12 build of `setup native --gpu`, without its wheel cache, for the NVIDIA container toolkit', () => {
    const native = runs(byName.get('native-gpu')!.instructions).join('\n');
    assert.match(native, /proxysweep\.js setup native --gpu/);
    assert.match(native, /rm -rf \.tools\/native\/wheels/);
    const gpu = byName.get('gpu')!;
    assert.equal(gpu.from, 'cpu');
    assert.ok(
      ofKind(gpu.instructions, 'COPY').some((c) => /--from=native-gpu .*\/app\/\.tools\/native/.test(content(c))),
    );
    const env = envOf(lineage('gpu').instructions);
    assert.match(env, /NVIDIA_DRIVER_CAPABILITIES=compute,utility/);
    assert.match(env, /PROXYSWEEP_BACKEND=tensorflow-gpu/);
  });

  test('gpu-cuda11: stock tfjs-node-gpu of the tfjs version in use, on CUDA 11 and cuDNN 8 as it needs', () => {
    assert.match(args.CUDA11_IMAGE, /^nvidia\/cuda:11\.\d+\.\d+-cudnn8-runtime-ubuntu\d+\.\d+$/);
    const tfjs = pkg.dependencies['@tensorflow/tfjs'];
    assert.ok(
      runs(byName.get('deps-cuda11')!.instructions).some((r) => r.includes(`@tensorflow/tfjs-node-gpu@${tfjs}`)),
    );
    assert.match(envOf(lineage('gpu-cuda11').instructions), /PROXYSWEEP_BACKEND=tensorflow-gpu/);
  });

  test('the proxysweep commands it runs exist (or are named in PENDING with the branch that adds them)', () => {
    const lines = proxysweepCommandLines(runs(dockerfile.getInstructions()).join('\n'));
    assert.ok(lines.length >= 1);
    for (const words of lines) assert.deepEqual(cliUsageProblems(words), [], words.join(' '));
  });

  test('what it copies exists, and .dockerignore keeps secrets, builds and node_modules out of the context', () => {
    for (const c of ofKind(dockerfile.getInstructions(), 'COPY')) {
      const parts = content(c)
        .split(/\s+/)
        .filter((p) => !p.startsWith('--'));
      if (content(c).includes('--from=')) continue;
      for (const src of parts.slice(0, -1).filter((p) => p !== '.'))
        assert.ok(existsSync(repoPath(src)), `COPY ${src}`);
    }
    const ignore = readText('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', '.git', '.tools', '.env', '**/.env'])
      assert.ok(ignore.includes(entry), entry);
    for (const needed of ['package.json', 'package-lock.json', 'bin', 'services', 'workflows', 'activities']) {
      assert.ok(!ignore.includes(needed), `${needed} is needed by the build`);
    }
  });
});

describe('the image layout runs: production node_modules, dist/ and bin/ only', () => {
  test('`npm ci --omit=dev --ignore-scripts` + dist runs the CLI, and the worker backend loads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-image-'));
    try {
      for (const f of ['package.json', 'package-lock.json']) cpSync(repoPath(f), join(dir, f));
      const ci = spawnSync(
        'npm',
        ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'],
        {
          cwd: dir,
          encoding: 'utf8',
        },
      );
      assert.equal(ci.status, 0, ci.stderr);
      assert.ok(!existsSync(join(dir, 'node_modules', 'typescript')), 'no dev dependencies');
      cpSync(repoPath('dist'), join(dir, 'dist'), { recursive: true });
      cpSync(repoPath('bin'), join(dir, 'bin'), { recursive: true });
      const env = { PATH: process.env.PATH, HOME: dir, PROXYSWEEP_HOME: join(dir, 'home') };
      const help = spawnSync(process.execPath, [join(dir, 'bin', 'proxysweep.js'), '--help'], {
        cwd: dir,
        env,
        encoding: 'utf8',
      });
      assert.equal(help.status, 0, help.stderr);
      for (const cmd of ['worker', 'doctor', 'workers', 'db']) assert.match(help.stdout, new RegExp(`\\n  ${cmd}\\b`));
      // doctor picks the backend exactly as a worker does; without services it fails those checks only.
      const doctor = spawnSync(process.execPath, [join(dir, 'bin', 'proxysweep.js'), 'doctor', '--json'], {
        cwd: dir,
        env,
        encoding: 'utf8',
      });
      const report = JSON.parse(doctor.stdout) as {
        checks: { name: string; status: string; data?: { backend?: string } }[];
      };
      const check = (name: string) => report.checks.find((c) => c.name === name);
      assert.equal(check('node')?.status, 'pass');
      assert.equal(check('backend')?.data?.backend, 'wasm', JSON.stringify(check('backend')));
      assert.equal(check('services')?.status, 'fail');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
