// cloud-init user-data for the router and node VMs. Proxmox writes the network config itself from ip_config.
import { stringify } from 'yaml';
import type { LabHost, LabPlan, Mode } from '../lab/plan.ts';
import { frrApplyCommands, frrConf, type RouterSecrets } from './frr.ts';
import { natRules, routerSysctls, sysctlConf } from './router.ts';

export interface CloudFile {
  readonly path: string;
  readonly content: string;
  readonly permissions?: string;
  /** Owner that only exists once packages are installed: write_files then waits for them (defer). */
  readonly owner?: string;
}

/**
 * Waits, bounded, until apt reaches every source: $1 attempts, $2 s apart. It runs as bootcmd (the
 * init stage, before the final stage installs `packages`, which cloud-init never retries). A plain
 * `apt-get update` exits 0 when nothing answers (the failures are only warnings) and the install then
 * fails; `--error-on=any` (apt 2.1.16+, Debian 12 has 2.6) makes it fail until the mirror answers:
 * for a node, once the router's NAT is up.
 */
export const WAIT_FOR_APT =
  'for i in $(seq "$1"); do apt-get -q update --error-on=any && exit 0; sleep "$2"; done; echo "lab: apt sources unreachable after $1 attempts" >&2; exit 1';
export const WAIT_FOR_APT_ARGS = { attempts: 60, delaySeconds: 10 } as const;

/** A download that fails midway is tried again (apt.conf(5), Acquire::Retries). */
const APT_RETRIES: CloudFile = { path: '/etc/apt/apt.conf.d/80lab-retries', content: 'Acquire::Retries "5";\n' };

function userData(plan: LabPlan, host: LabHost, packages: string[], files: CloudFile[], runcmd: string[]): string {
  const { user, authorizedKeys } = plan.config.ssh;
  // cloud-init's schema refuses empty lists, so absent ones are left out.
  const doc = {
    hostname: host.name,
    fqdn: `${host.name}.${plan.name}.lab`,
    manage_etc_hosts: true,
    users: [
      {
        name: user,
        groups: ['sudo'],
        shell: '/bin/bash',
        sudo: 'ALL=(ALL) NOPASSWD:ALL',
        lock_passwd: true,
        ...(authorizedKeys.length > 0 ? { ssh_authorized_keys: authorizedKeys } : {}),
      },
    ],
    ssh_pwauth: false,
    // bootcmd runs on every boot, inside cloud-init.service and so before sshd and k3s (cloud-init docs,
    // cc_bootcmd: "runs on every boot"): cloud-init-per keeps the wait to the instance's first boot, so a
    // restart without the mirror (a failover start, a host reboot) does not hold the node for 10 minutes.
    bootcmd: [
      [
        'cloud-init-per',
        'instance',
        'lab-wait-apt',
        'sh',
        '-c',
        WAIT_FOR_APT,
        'lab-wait-apt',
        String(WAIT_FOR_APT_ARGS.attempts),
        String(WAIT_FOR_APT_ARGS.delaySeconds),
      ],
    ],
    package_update: true,
    packages: ['qemu-guest-agent', ...packages],
    write_files: [APT_RETRIES, ...files].map((f) => ({
      path: f.path,
      content: f.content,
      permissions: f.permissions ?? '0644',
      ...(f.owner ? { owner: f.owner, defer: true } : {}),
    })),
    runcmd: ['systemctl enable --now qemu-guest-agent', ...runcmd],
  };
  return `#cloud-config\n${stringify(doc, { lineWidth: 0 })}`;
}

/**
 * The router: FRR with the mode's frr.conf, forwarding, ECMP hashing, NAT from LAN to WAN. The Proxmox
 * stack boots it in L2 mode (nothing to configure, no secret in Terraform); BGP is pushed over SSH.
 */
export function routerUserData(plan: LabPlan, mode: Mode = 'l2', secrets: RouterSecrets = {}): string {
  return userData(
    plan,
    plan.router,
    // curl: the verification probes the service from the router.
    ['frr', 'nftables', 'curl'],
    [
      { path: '/etc/sysctl.d/90-lab-router.conf', content: sysctlConf(routerSysctls()) },
      { path: '/etc/nftables.conf', content: natRules(plan), permissions: '0755' },
      { path: '/etc/frr/frr.conf', content: frrConf(plan, mode, secrets), permissions: '0640', owner: 'frr:frr' },
    ],
    ['sysctl --system', 'systemctl enable --now nftables', ...frrApplyCommands(mode)],
  );
}

/** A Kubernetes node: k3s and Cilium come later over SSH, so the image stays generic. */
export function nodeUserData(plan: LabPlan, host: LabHost): string {
  return userData(plan, host, ['curl', 'ca-certificates'], [], []);
}
