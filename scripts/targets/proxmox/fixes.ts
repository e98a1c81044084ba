// Fixes for failures a first run meets, recognised by what the failed command printed.
const FIXES: readonly [RegExp, string][] = [
  [
    /Could not resolve host|Temporary failure in name resolution|Network is unreachable/i,
    "the VM has no way out: the nodes go through the router's NAT. On the router: `sudo nft list ruleset` (masquerade), `ip route` (a default route on the WAN side), `cat /etc/resolv.conf`",
  ],
  [
    /the server doesn't have a resource type/i,
    'a Cilium CRD is not registered: the Cilium operator registers them as it starts (`sudo k3s kubectl -n kube-system get pods -l io.cilium/app=operator`)',
  ],
  [
    /connection to the server .*6443 was refused|dial tcp .*:6443: connect: connection refused/i,
    'the Kubernetes API server is down on this node: `sudo systemctl status k3s`, `sudo journalctl -u k3s -n 50`',
  ],
  [
    /timed out waiting for the condition|exceeded its progress deadline/i,
    'a wait ran out: `sudo k3s kubectl get pods -A -o wide` shows what is not ready; `kubectl describe pod` tells why',
  ],
  [
    /All configured authentication methods failed|Permission denied \(publickey/i,
    "the VM does not accept the lab's key: cloud-init did not install it (look at the VM console in Proxmox)",
  ],
];

export function knownFix(output: string): string | undefined {
  return FIXES.find(([re]) => re.test(output))?.[1];
}
