// Every version the lab installs, pinned in one place with where it comes from.

export const PINS = {
  /** https://github.com/k3s-io/k3s/releases */
  k3s: 'v1.33.5+k3s1',
  /** https://github.com/cilium/cilium/releases (the chart at https://helm.cilium.io) */
  cilium: '1.18.3',
  /** https://cloud.debian.org/images/cloud/ — Debian 12 "genericcloud": cloud-init, qemu-guest-agent installable */
  image: 'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2',
  /** https://github.com/helm/helm/releases — installs the Cilium chart on the first control plane */
  helm: 'v3.19.0',
  /** https://github.com/cilium/cilium-cli/releases — `cilium status --wait`, `cilium bgp peers` */
  ciliumCli: 'v0.18.7',
  /** https://helm.cilium.io */
  ciliumChartRepo: 'https://helm.cilium.io',
  /** The oldest Cilium with BGP v2 resources (CiliumBGPClusterConfig) and stable L2 announcements. */
  ciliumMinimum: '1.16.0',
} as const;

/**
 * The most equal-cost paths the router's FRR installs for one prefix. Debian 12's frr 8.4.4 (the
 * router VM's and the emulated lab's) is built with MULTIPATH_NUM 256: its zebra refuses `-e 257`
 * ("Multipath Number specified must be less than 256 and greater than 0" — it means at most), and
 * bgpd's `maximum-paths` takes 1-256. The Linux kernel takes more: a 200-nexthop route installs here.
 */
export const FRR_MULTIPATH_MAX = 256;

/** The emulated lab's ceiling, measured by `npm run bench:scale`; a Proxmox host sets its own by its memory. */
export const MAX_NODES = 100;
