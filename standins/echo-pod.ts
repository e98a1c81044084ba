// Stand-in for the demo echo pod on an emulated node: answers port 80 with its node's name. A process of
// its own, apart from the Cilium agent stand-in, because a pod outlives its node's agent: stopping or
// killing the agent must not take the service down with it.
//   tsx standins/echo-pod.ts --name cilab-cp1 [--port 80]
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { echoText } from '../templates/demo.ts';

const { values } = parseArgs({ options: { name: { type: 'string' }, port: { type: 'string', default: '80' } } });
if (!values.name) throw new Error('--name is required');
const name = values.name;
createServer((_, res) =>
  res
    .writeHead(200, { 'content-type': 'text/plain', connection: 'close' })
    .end(`${echoText(name, `standin-${name}`)}\n`),
).listen(Number(values.port), '0.0.0.0');
