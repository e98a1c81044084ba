// What lab:compare does to a running emulated lab, each a small function named for what happens. On a
// node, the fault hits the Cilium agent stand-in (GoBGP runs inside it, as inside Cilium): a graceful
// stop (SIGTERM, what Kubernetes sends a pod) and a restart with the same command line; what the agent
// then does on the wire is the pinned Cilium minor's behaviour (standins/cilium/). On the router: FRR
// restarts, its neighbour cache is flushed. Each agent's PID and argv live in <runDir>/agent-<node>.json.
// The faults only the tests inject are in test/helpers/netns-faults.ts.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../../../lab/errors.ts';
import { type Host, run } from '../../hosts/host.ts';
import { sh } from '../../../templates/shell.ts';
import { sleep, waitFor } from '../../lib/wait.ts';
import { alive, startIn, stopPids } from '../../hosts/daemons.ts';
import { type FrrInstance, loadFrrConfig, startFrr } from './frr.ts';

interface AgentRecord {
  readonly pid: number;
  readonly namespace: string;
  readonly argv: readonly string[];
}

const recordFile = (runDir: string, node: string) => join(runDir, `agent-${node}.json`);

function agentRecord(runDir: string, node: string): AgentRecord {
  const file = recordFile(runDir, node);
  if (!existsSync(file))
    throw new LabError(
      'E_USAGE',
      `no agent stand-in recorded for node ${node}`,
      'is the emulated lab up (npm run lab:l2 or lab:bgp)?',
    );
  return JSON.parse(readFileSync(file, 'utf8')) as AgentRecord;
}

/** Starts a node's agent stand-in and records how, so it can be stopped and started again. */
export function startAgent(runDir: string, namespace: string, node: string, argv: string[]): number {
  const pid = startIn(namespace, argv, runDir, `agent-${node}`);
  writeFileSync(recordFile(runDir, node), JSON.stringify({ pid, namespace, argv } satisfies AgentRecord));
  return pid;
}

/** Sends the signal to the node's agent and waits until it has exited. */
export async function signalAgent(
  runDir: string,
  node: string,
  signal: 'SIGTERM' | 'SIGKILL',
  timeoutMs = 10_000,
): Promise<void> {
  const { pid } = agentRecord(runDir, node);
  if (!alive(pid)) return;
  process.kill(pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline)
      throw new LabError(
        'E_STOP',
        `the agent of ${node} (pid ${pid}) did not exit within ${timeoutMs} ms of ${signal}`,
      );
    await sleep(20);
  }
}

/** Starts the node's agent again with the command line it had; returns the new PID. */
export function restartAgent(runDir: string, node: string): number {
  const r = agentRecord(runDir, node);
  if (alive(r.pid))
    throw new LabError(
      'E_USAGE',
      `the agent of ${node} is still running (pid ${r.pid})`,
      'stop it first (signalAgent)',
    );
  return startAgent(runDir, r.namespace, node, [...r.argv]);
}

/** What GoBGP on a node holds for the service: it announces it once the route is there. */
export const gobgpRibCommand = (vip: string) => sh`gobgp -u 127.0.0.1 global rib -a ipv4 ${`${vip}/32`}`;

/** A BGP agent is up once its GoBGP announces the service: at start, and again after a restart. The wait
 *  ends at once if the agent (`pid`) exits first: nothing would announce then. */
export async function gobgpAnnouncing(node: Host, vip: string, timeoutMs: number, pid?: number): Promise<void> {
  await waitFor(`GoBGP on ${node.name} announcing ${vip}`, timeoutMs, async () => {
    if (pid !== undefined && !alive(pid))
      throw new LabError(
        'E_SPAWN',
        `the agent of ${node.name} exited before announcing ${vip}`,
        'see its log in the run directory',
      );
    return (await node.exec(gobgpRibCommand(vip))).stdout.includes(vip);
  });
}

/** Stops FRR's daemons and starts them again with the same configuration, as `systemctl restart frr` does. */
export async function restartFrr(
  frr: FrrInstance,
  daemons: ('zebra' | 'bgpd')[],
  runDir: string,
  configFile: string,
): Promise<void> {
  const pidFile = (d: string) => join(frr.vtyDir, `${d}.pid`);
  const pids = daemons.map((d) => Number(readFileSync(pidFile(d), 'utf8')));
  await stopPids(pids, 5000);
  // Stale pid files and sockets would make the start believe the daemons were already up.
  for (const d of daemons) for (const f of [pidFile(d), join(frr.vtyDir, `${d}.vty`)]) rmSync(f, { force: true });
  await startFrr(frr.namespace, runDir, daemons);
  await loadFrrConfig(frr, configFile);
}

/** Forgets every neighbour the router learned on its LAN: the next packet asks ARP again. */
export async function flushNeighbours(router: Host, iface: string): Promise<void> {
  await run(router, `ip neigh flush dev ${iface}`);
}
