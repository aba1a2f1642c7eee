import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parse, parseAllDocuments } from 'yaml';
import { buildProgram } from '../../services/cli/program';
import { packageRoot } from '../../services/paths';
import { TEMPORAL_SERVER_VERSION } from '../../services/temporal/server-binary';

export const ROOT = packageRoot();
export const repoPath = (...parts: string[]) => join(ROOT, ...parts);
export const readText = (...parts: string[]) => readFileSync(repoPath(...parts), 'utf8');

/**
 * The Temporal release every deployment pins (compose images, the chart's image tags): the one `services up
 * --temporal server` builds.
 */
export const TEMPORAL_RELEASE = TEMPORAL_SERVER_VERSION;

/** A YAML file of the repository, with `<<` merge keys resolved as compose and kustomize read them. */
export function readYaml<T = unknown>(...parts: string[]): T {
  return parse(readText(...parts), { merge: true }) as T;
}

/** Every document of a multi-document YAML stream (kustomize and helm output). */
export function yamlDocuments<T = unknown>(text: string): T[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length) throw new Error(`invalid YAML: ${d.errors[0].message}`);
      return d.toJS() as T;
    })
    .filter((d) => d !== null && d !== undefined);
}

/** A fresh directory with executable scripts standing in for programs (`srun`, `nvidia-smi`, …) on PATH. */
export function fakeBin(scripts: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ps-fakebin-'));
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(dir, name), body);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

/**
 * What the deployment files name that other branches add: each entry must leave this list (a test fails when
 * it exists on this branch) when that branch is merged.
 */
export const PENDING: Record<string, string> = {};

function commandAt(path: string[]): Command | undefined {
  let cmd: Command | undefined = buildProgram();
  for (const name of path) cmd = cmd?.commands.find((c) => c.name() === name);
  return cmd;
}

const longFlags = (cmd: Command) => cmd.options.map((o) => o.long).filter((f): f is string => !!f);

/** Whether `words` (e.g. ["services", "up", "--listen"]) is a command, or a command's option, of the CLI. */
export function cliKnows(words: string[]): boolean {
  const option = words[words.length - 1].startsWith('--') ? words[words.length - 1] : undefined;
  const path = option ? words.slice(0, -1) : words;
  const cmd = commandAt(path);
  if (!cmd) return false;
  if (!option) return true;
  const root = buildProgram();
  return ['--help', ...longFlags(cmd), ...longFlags(root)].includes(option);
}

/**
 * Problems with a `proxysweep` command line given as words after the program name (argv or the text of a
 * README line): an unknown command, or an option the command does not have, unless PENDING lists it.
 */
export function cliUsageProblems(words: string[]): string[] {
  const path: string[] = [];
  let i = 0;
  for (; i < words.length && /^[a-z][a-z-]*$/.test(words[i]); i++) {
    if (!commandAt([...path, words[i]])) break;
    path.push(words[i]);
  }
  if (path.length === 0) {
    if (words.length === 0 || PENDING[words.slice(0, 2).join(' ')]) return [];
    return [`unknown command "${words[0]}"`];
  }
  // A first word that is no subcommand of a command group: e.g. `setup native` before branch native.
  const group = commandAt(path)!;
  if (group.commands.length > 0 && i < words.length && /^[a-z]/.test(words[i])) {
    const name = `${path.join(' ')} ${words[i]}`;
    return PENDING[name] ? [] : [`unknown command "${name}"`];
  }
  const problems: string[] = [];
  for (const w of words.slice(i)) {
    if (!w.startsWith('--')) continue;
    const flag = w.split('=')[0];
    const name = `${path.join(' ')} ${flag}`;
    if (!cliKnows([...path, flag]) && !PENDING[name])
      problems.push(`"proxysweep ${path.join(' ')}" has no option ${flag}`);
  }
  return problems;
}

/**
 * The `proxysweep …` invocations in shell code, as words after the program name: `proxysweep` (or
 * `node …/proxysweep.js`) where a command starts (a line's start, after `&&`, `;`, `|`, `$(`, `npx` or `--`), up
 * to a backtick, quote, pipe, `&&`, `;`, `#` or newline. A word such as `-n proxysweep` is no invocation.
 */
export function proxysweepCommandLines(code: string): string[][] {
  const lines: string[][] = [];
  const invocation =
    /(?:^|&&|;|\||\$\(|\bnpx|\s--)[ \t]*(?:node[ \t]+)?(?:[\w.${}/-]*\/)?proxysweep(?:\.js)?[ \t]+([^`|;&\n#'"]*)/gm;
  for (const m of code.matchAll(invocation)) {
    const words = m[1].trim().split(/\s+/).filter(Boolean);
    if (words.length && /^[a-z]/.test(words[0])) lines.push(words);
  }
  return lines;
}

/** The code of a Markdown text, one piece per line: fenced blocks (continuation lines joined) and inline spans. */
export function markdownCode(markdown: string): string {
  const pieces: string[] = [];
  const prose = markdown.replace(/^```[^\n]*\n([\s\S]*?)^```$/gm, (_, block: string) => {
    pieces.push(block.replace(/\\\n\s*/g, ' '));
    return '';
  });
  // An inline span may wrap onto the next line.
  for (const m of prose.matchAll(/`([^`]+)`/g)) pieces.push(m[1].replace(/\s*\n\s*/g, ' '));
  return pieces.join('\n');
}
