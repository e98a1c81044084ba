// The Cilium agent stand-in's command line (node-agent.ts reads it), written once for every place that
// starts one: the emulated nodes (scripts/targets/netns/steps.ts) and the real VMs of test:vms.
import type { LabPlan, Mode } from '../../lab/plan.ts';
import { serviceIp } from '../../templates/demo.ts';

export interface AgentPlace {
  readonly node: string;
  /** L2: the interface it answers ARP on, and where the Lease API is. */
  readonly iface: string;
  readonly leaseUrl: string;
  /** BGP: its gobgpd configuration, and the service addresses to announce. */
  readonly gobgpConf: string;
  readonly advertise: readonly string[];
}

export function agentArgs(plan: LabPlan, mode: Mode, at: AgentPlace): string[] {
  const lease = plan.l2.leaseMs;
  const modeArgs =
    mode === 'l2'
      ? [
          'l2',
          '--vip',
          serviceIp(plan, mode),
          '--ifaces',
          at.iface,
          '--lease-url',
          at.leaseUrl,
          '--lease',
          `${lease.duration},${lease.renewDeadline},${lease.retryPeriod}`,
        ]
      : ['bgp', '--gobgpd-conf', at.gobgpConf, '--advertise', at.advertise.join(',')];
  return ['--name', at.node, '--cilium', plan.config.cilium.version, ...modeArgs];
}
