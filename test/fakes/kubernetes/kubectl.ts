// A stand-in for `k3s kubectl`, `helm` and `cilium` as the Proxmox steps call them, so tests run the
// steps' real shell text (pipes, stdin, `$(…)`, `&&`) against the behaviour those steps depend on.
// Each rule below is upstream's, with its source:
// - Cilium registers the BGP CRDs only with the BGP control plane enabled; the pool and L2 policy CRDs
//   always (cilium/cilium pkg/k8s/synced/crd.go, agentCRDResourceNames). They are registered as the
//   operator starts.
// - `helm upgrade` with new values restarts nothing: rollOutCiliumPods and operator.rollOutPods default
//   to false (cilium/cilium install/kubernetes/cilium/values.yaml), so agent and operator keep the
//   settings they started with until a rollout restart.
// - `kubectl delete KIND/NAME --ignore-not-found` on a kind the server does not serve fails with
//   `error: the server doesn't have a resource type "KIND"` (kubernetes/kubectl, the resource builder's
//   mapping error); --ignore-not-found only covers missing objects.
// - `kubectl apply` of a kind without its CRD: `no matches for kind … ensure CRDs are installed first`.
// - `kubectl create secret generic --from-file=key=PATH` stores the file's bytes unchanged
//   (kubernetes/kubectl pkg/cmd/create/create_secret.go, addKeyFromFileToSecret: os.ReadFile).
// - `kubectl get crd NAME --ignore-not-found -o name` prints nothing and exits 0 for a missing CRD.
// - Client-side `kubectl apply` stores the whole object it applied, as JSON, in the annotation
//   kubectl.kubernetes.io/last-applied-configuration (kubernetes/kubectl v0.33 pkg/cmd/apply/apply.go
//   applyOneObject: util.GetModifiedConfiguration(…, true, …), util.CreateApplyAnnotation): a Secret's data
//   included. `--server-side` sends the object as an apply patch and writes no such annotation; with a
//   field manager of its own (not the default "kubectl") it keeps none either (saveLastApplyAnnotationIfNecessary),
//   but an annotation an earlier client-side apply left stays. `kubectl annotate … KEY-` removes a key,
//   present or not (pkg/cmd/annotate/annotate.go updateAnnotations: delete from the map).
// - `kubectl get KIND NAME -o yaml` prints the stored object.
// - k3s signals ready once the API server and the datastore are up, before the kubelet has registered the
//   Node (k3s-io/k3s pkg/cli/server/server.go: the ready notification is not tied to node registration):
//   `kubectl get nodes -o name` lists a node only after `nodes[name]` more calls have seen it missing.
// State lives in the JSON file $K8S_STANDIN_STATE; every call is appended to its `calls`.
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';

export interface KubeState {
  /** Values of the installed release (helm), and those agent and operator started with. */
  release: { bgp: boolean } | null;
  running: { bgp: boolean } | null;
  crds: string[];
  objects: Record<string, Record<string, unknown>>;
  /** Nodes that will register, each with how many `get nodes` calls still miss it. */
  nodes: Record<string, number>;
  calls: string[];
}

const ALWAYS = ['CiliumLoadBalancerIPPool', 'CiliumL2AnnouncementPolicy'];
const BGP = [
  'CiliumBGPClusterConfig',
  'CiliumBGPPeerConfig',
  'CiliumBGPAdvertisement',
  'CiliumBGPNodeConfig',
  'CiliumBGPNodeConfigOverride',
];
const plural = (kind: string) =>
  kind.toLowerCase().endsWith('y') ? `${kind.toLowerCase().slice(0, -1)}ies` : `${kind.toLowerCase()}s`;
const crdOf = (kind: string) => `${plural(kind)}.cilium.io`;
const kindOf = (lower: string) => [...ALWAYS, ...BGP].find((k) => k.toLowerCase() === lower);
/** A kind as `kubectl get`/`annotate` name it: `secret`, or a Cilium kind in lower case. */
const kindOfGet = (lower: string) => (lower === 'secret' ? 'Secret' : (kindOf(lower) ?? lower));
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function operatorStarts(s: KubeState): void {
  s.running = s.release && { ...s.release };
  const kinds = [...ALWAYS, ...(s.running?.bgp ? BGP : [])];
  s.crds = [...new Set([...s.crds, ...kinds.map(crdOf)])];
}

class Refused extends Error {}
function fail(message: string): never {
  throw new Refused(message);
}

function kubectl(s: KubeState, args: string[], stdin: () => string): string {
  const words = args.filter(
    (a, i) => !a.startsWith('-') && args[i - 1] !== '-n' && args[i - 1] !== '-f' && args[i - 1] !== '-o',
  );
  const [verb, ...rest] = words;
  const flag = (name: string) =>
    args
      .find((a) => a.startsWith(`--${name}=`))
      ?.split('=')
      .slice(1)
      .join('=');
  switch (verb) {
    case 'get':
      if (args.includes('yaml'))
        return stringify(
          s.objects[`${kindOfGet(rest[0]!)}/${rest[1]}`] ??
            fail(`Error from server (NotFound): ${rest[0]} "${rest[1]}" not found`),
        );
      if (rest[0] === 'crd')
        return s.crds.includes(rest[1]!) ? `customresourcedefinition.apiextensions.k8s.io/${rest[1]}\n` : '';
      if (rest[0] === 'nodes')
        return Object.keys(s.nodes)
          .filter((n) => s.nodes[n]!-- <= 0)
          .map((n) => `node/${n}\n`)
          .join('');
      return '';
    case 'delete':
      for (const ref of rest) {
        const [lower, name] = ref.split('/');
        const kind = kindOf(lower!);
        if (kind && !s.crds.includes(crdOf(kind))) fail(`error: the server doesn't have a resource type "${lower}"`);
        delete s.objects[`${kind ?? lower}/${name}`];
      }
      return rest.map((r) => `${r} deleted\n`).join('');
    case 'wait': {
      // Nodes are Ready here; CRDs are Established once registered. --for=create waits for them to exist
      // (pkg/cmd/wait/wait.go IsCreated): one the operator never registers times out; a condition on a
      // CRD that does not exist fails at once (kubernetes/kubernetes#83242).
      const crds = rest.filter((r) => r.startsWith('crd/')).map((r) => r.slice(4));
      const create = flag('for') === 'create';
      for (const crd of crds)
        if (!s.crds.includes(crd))
          fail(
            create
              ? `error: timed out waiting for the condition on customresourcedefinitions/${crd}`
              : `Error from server (NotFound): customresourcedefinitions.apiextensions.k8s.io "${crd}" not found`,
          );
      if (create) return crds.map((c) => `customresourcedefinition.apiextensions.k8s.io/${c} condition met\n`).join('');
      return crds.map((c) => `customresourcedefinition.apiextensions.k8s.io/${c} condition met\n`).join('');
    }
    case 'rollout':
      if (rest[0] === 'restart') operatorStarts(s);
      return '';
    case 'create': {
      const [, key, path] = /^([^=]+)=(.+)$/.exec(flag('from-file') ?? '') ?? [];
      const data = path === '/dev/stdin' ? Buffer.from(stdin(), 'latin1') : readFileSync(path!);
      return stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: rest[2], namespace: args[args.indexOf('-n') + 1] },
        data: { [key!]: data.toString('base64') },
      });
    }
    case 'apply': {
      const file = args[args.indexOf('-f') + 1]!;
      const docs = parseAllDocuments(file === '-' ? stdin() : readFileSync(file, 'utf8')).map(
        (d) =>
          d.toJS() as {
            kind: string;
            apiVersion: string;
            metadata: { name: string; annotations?: Record<string, string> };
          },
      );
      const serverSide = args.includes('--server-side');
      for (const d of docs) {
        if (d.kind !== 'Secret' && !s.crds.includes(crdOf(d.kind))) {
          fail(
            `error: resource mapping not found for name: "${d.metadata.name}" namespace: "" from "${file}": no matches for kind "${d.kind}" in version "${d.apiVersion}"\nensure CRDs are installed first`,
          );
        }
        const key = `${d.kind}/${d.metadata.name}`;
        const kept = (s.objects[key]?.metadata as typeof d.metadata | undefined)?.annotations ?? {};
        const annotations = serverSide
          ? { ...kept, ...d.metadata.annotations }
          : { ...d.metadata.annotations, [LAST_APPLIED]: `${JSON.stringify(d)}\n` };
        s.objects[key] = {
          ...d,
          metadata: { ...d.metadata, ...(Object.keys(annotations).length ? { annotations } : {}) },
        };
      }
      return docs
        .map((d) => `${d.kind.toLowerCase()}/${d.metadata.name} ${serverSide ? 'serverside-applied' : 'configured'}\n`)
        .join('');
    }
    case 'annotate': {
      const key = `${kindOfGet(rest[0]!)}/${rest[1]}`;
      const o = s.objects[key] ?? fail(`Error from server (NotFound): ${rest[0]} "${rest[1]}" not found`);
      const metadata = o.metadata as { annotations?: Record<string, string> };
      const annotations = { ...metadata.annotations };
      for (const a of rest.slice(2)) {
        if (a.endsWith('-')) delete annotations[a.slice(0, -1)];
        else annotations[a.split('=')[0]!] = a.split('=').slice(1).join('=');
      }
      metadata.annotations = annotations;
      return `${rest[0]}/${rest[1]} annotated\n`;
    }
    default:
      return '';
  }
}

function helm(s: KubeState, args: string[]): string {
  if (args.includes('upgrade')) {
    const values = parseAllDocuments(
      readFileSync(args[args.indexOf('--values') + 1]!.replace(/^~/, process.env.HOME!), 'utf8'),
    )[0]!.toJS() as { bgpControlPlane?: { enabled?: boolean } };
    const first = s.release === null;
    s.release = { bgp: values.bgpControlPlane?.enabled === true };
    if (first) operatorStarts(s);
  }
  return '';
}

const file = process.env.K8S_STANDIN_STATE!;
const [tool, ...args] = process.argv.slice(2);
// A pipeline (`create … -o yaml | kubectl apply -f -`) runs two of us at once, as two clients of one API
// server: read what stdin carries first, then hold the state for one read-modify-write at a time, so
// neither reads a half-written file nor loses the other's change.
const input = args.some((a) => a === '-' || a.includes('/dev/stdin')) ? readFileSync(0, 'latin1') : '';
const stdin = () => input;
const lock = `${file}.lock`;
for (let tries = 0; ; tries++) {
  try {
    mkdirSync(lock);
    break;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 3000) throw err;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
}
try {
  const state = JSON.parse(readFileSync(file, 'utf8')) as KubeState;
  state.calls.push([tool, ...args].join(' '));
  try {
    process.stdout.write(tool === 'kubectl' ? kubectl(state, args, stdin) : tool === 'helm' ? helm(state, args) : '');
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  } finally {
    writeFileSync(file, JSON.stringify(state, null, 2));
  }
} finally {
  rmdirSync(lock);
}
