// Every version the lab installs, pinned in one place with where it comes from.

export const PINS = {
  /** https://github.com/k3s-io/k3s/releases */
  k3s: 'v1.33.5+k3s1',
  /**
   * https://github.com/cilium/cilium/releases/tag/v1.20.0 (the chart at https://helm.cilium.io): the newest
   * release the checks cover — the CRDs and values schema in ../shared/schemas/cilium are upstream's
   * cilium.io/v2 era (1.18 and later; SOURCE.md), and the renders of 1.18, 1.19 and 1.20 differ only in
   * externalIPs.enabled, which 1.19 removed (templates/cilium.ts).
   */
  cilium: '1.20.0',
  /** https://cloud.debian.org/images/cloud/ — Debian 12 "genericcloud": cloud-init, qemu-guest-agent installable */
  image: 'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2',
  /** https://github.com/helm/helm/releases — installs the Cilium chart on the first control plane */
  helm: 'v3.19.0',
  /** https://github.com/cilium/cilium-cli/releases — `cilium status --wait`, `cilium bgp peers`; README: v0.19.7 is for "Cilium 1.17 and newer" */
  ciliumCli: 'v0.19.7',
  /** https://helm.cilium.io */
  ciliumChartRepo: 'https://helm.cilium.io',
  /**
   * The Cilium minors upstream maintains ("the last three", cilium/cilium README.rst, Stable Releases):
   * 1.20 was released 2026-07-29 (cilium/cilium-cli#3281), which ended 1.17. All serve the pool and BGP
   * resources as cilium.io/v2 and the L2 policy as cilium.io/v2alpha1.
   */
  ciliumMinors: ['1.18', '1.19', '1.20'],
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
