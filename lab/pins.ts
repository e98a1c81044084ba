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
