import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { userInfo } from 'node:os';

/**
 * Hosts for tests, on one machine: a network namespace per host, each joined by a veth pair to a bridge that
 * lives in a namespace of its own, so the machine's own network is never touched and no packet can leave.
 * Addresses come from 10.231.47.0/24, reachable only inside these namespaces. Partitions drop packets with
 * iptables inside the partitioned host's namespace (as Jepsen does: `iptables -A INPUT -s peer -j DROP`),
 * both ways, so connections hang as they would on a real network rather than fail fast.
 */
export interface NetHost {
  name: string;
  ns: string;
  ip: string;
}

export interface VirtualNetwork {
  hosts: Record<string, NetHost>;
  /** Starts `cmd` inside `host`'s namespace (the pid is the command's own: `ip netns exec` execs). */
  spawn(host: string, cmd: string, args: string[], opts?: SpawnOptions): ChildProcess;
  /** Drops all traffic between `host` and each of `peers`, both directions. */
  partition(host: string, peers: string[]): void;
  /** Removes every partition rule of `host`. */
  heal(host: string): void;
  /** Kills (by pid) every process still inside the namespaces, then deletes them. Idempotent. */
  destroy(): void;
}

const SUBNET = '10.231.47';
const PREFIX = 'pswh';

/** Why this machine cannot run namespace tests, or undefined when it can (root, `ip`, `iptables`). */
export function netnsUnavailable(): string | undefined {
  if (userInfo().uid !== 0) return 'it needs root (network namespaces and iptables)';
  for (const [tool, flag] of [
    ['ip', '-V'],
    ['iptables', '--version'],
  ]) {
    if (spawnSync(tool, [flag], { stdio: 'ignore' }).status !== 0) {
      return `\`${tool}\` is missing (apt-get install iproute2 iptables)`;
    }
  }
  return undefined;
}

/** Creates one namespace per name, all on one bridge; `destroy()` undoes everything. */
export function createNetwork(names: string[]): VirtualNetwork {
  removeLeftovers();
  const owner = `${PREFIX}${process.pid}`;
  const sw = `${owner}-sw`;
  const hosts: Record<string, NetHost> = {};
  const created: string[] = [];
  const destroy = () => {
    for (const ns of created.splice(0).reverse()) deleteNamespace(ns);
  };
  try {
    ip('netns', 'add', sw);
    created.push(sw);
    ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', sw, 'link', 'set', 'br0', 'up');
    names.forEach((name, i) => {
      const ns = `${owner}-${name}`;
      ip('netns', 'add', ns);
      created.push(ns);
      const address = `${SUBNET}.${10 + i}`;
      // Both ends are born inside our namespaces: eth0 in the host, a bridge port in the switch.
      ip('link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', name, 'netns', sw);
      ip('-n', sw, 'link', 'set', name, 'master', 'br0', 'up');
      ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      hosts[name] = { name, ns, ip: address };
    });
  } catch (err) {
    destroy();
    throw err;
  }
  const host = (name: string) => {
    const h = hosts[name];
    if (!h) throw new Error(`no host ${name} in this network`);
    return h;
  };
  return {
    hosts,
    spawn(name, cmd, args, opts = {}) {
      return spawn('ip', ['netns', 'exec', host(name).ns, cmd, ...args], opts);
    },
    partition(name, peers) {
      const { ns } = host(name);
      for (const peer of peers) {
        const addr = host(peer).ip;
        run('ip', ['netns', 'exec', ns, 'iptables', '-w', '5', '-A', 'INPUT', '-s', addr, '-j', 'DROP']);
        run('ip', ['netns', 'exec', ns, 'iptables', '-w', '5', '-A', 'OUTPUT', '-d', addr, '-j', 'DROP']);
      }
    },
    heal(name) {
      const { ns } = host(name);
      run('ip', ['netns', 'exec', ns, 'iptables', '-w', '5', '-F', 'INPUT']);
      run('ip', ['netns', 'exec', ns, 'iptables', '-w', '5', '-F', 'OUTPUT']);
    },
    destroy,
  };
}

/** Namespaces of earlier runs of this helper whose process is gone (killed before its teardown ran). */
function removeLeftovers(): void {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8', timeout: 10_000 }).stdout ?? '';
  for (const line of list.split('\n')) {
    const m = new RegExp(`^(${PREFIX}(\\d+)-\\S+)`).exec(line.trim());
    if (m && !processAlive(Number(m[2]))) deleteNamespace(m[1]);
  }
}

function deleteNamespace(ns: string): void {
  // Bounded: a few rounds of killing what runs inside (by pid), then the namespace itself.
  for (let round = 0; round < 5; round++) {
    const pids = (spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: 10_000 }).stdout ?? '')
      .split('\n')
      .map(Number)
      .filter((p) => Number.isInteger(p) && p > 0);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone already */
      }
    }
    spawnSync('sleep', ['0.2']);
  }
  spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 10_000 });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function ip(...args: string[]): void {
  run('ip', args);
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 15_000 });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`);
}
