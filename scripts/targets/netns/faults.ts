// Faults on an emulated node's Cilium agent stand-in, as a user would cause them: a graceful stop
// (SIGTERM, what Kubernetes sends a pod), a hard kill (SIGKILL, OOM or a crashed node's view), and a
// restart with the same command line. Each agent's PID and argv live in <runDir>/agent-<node>.json.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../../../lab/errors.ts';
import { sleep } from '../../wait.ts';
import { alive, startIn } from './daemons.ts';

interface AgentRecord {
  readonly pid: number;
  readonly namespace: string;
  readonly argv: readonly string[];
}

const recordFile = (runDir: string, node: string) => join(runDir, `agent-${node}.json`);

function agentRecord(runDir: string, node: string): AgentRecord {
  const file = recordFile(runDir, node);
  if (!existsSync(file)) throw new LabError('E_USAGE', `no agent stand-in recorded for node ${node}`, 'is the emulated lab up (npm run lab:l2 or lab:bgp)?');
  return JSON.parse(readFileSync(file, 'utf8')) as AgentRecord;
}

/** Starts a node's agent stand-in and records how, so it can be stopped and started again. */
export function startAgent(runDir: string, namespace: string, node: string, argv: string[]): number {
  const pid = startIn(namespace, argv, runDir, `agent-${node}`);
  writeFileSync(recordFile(runDir, node), JSON.stringify({ pid, namespace, argv } satisfies AgentRecord));
  return pid;
}

/** Sends the signal to the node's agent and waits until it has exited. */
export async function signalAgent(runDir: string, node: string, signal: 'SIGTERM' | 'SIGKILL', timeoutMs = 10_000): Promise<void> {
  const { pid } = agentRecord(runDir, node);
  if (!alive(pid)) return;
  process.kill(pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) throw new LabError('E_STOP', `the agent of ${node} (pid ${pid}) did not exit within ${timeoutMs} ms of ${signal}`);
    await sleep(20);
  }
}

/** Starts the node's agent again with the command line it had; returns the new PID. */
export function restartAgent(runDir: string, node: string): number {
  const r = agentRecord(runDir, node);
  if (alive(r.pid)) throw new LabError('E_USAGE', `the agent of ${node} is still running (pid ${r.pid})`, 'stop it first (signalAgent)');
  return startAgent(runDir, r.namespace, node, [...r.argv]);
}
