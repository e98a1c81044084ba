// The offline Debian archive over HTTP, on the VM stand-ins' home network (see network.ts):
//   archive-server.ts <root> <address>   serves <root>/debian and <root>/debian-security on port 80.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, normalize } from 'node:path';

const [root, address] = process.argv.slice(2);
if (!root || !address) throw new Error('usage: archive-server.ts <root> <address>');

createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://archive').pathname));
  const file = join(root, path);
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile() || path.includes('..')) throw new Error('not a file');
    size = st.size;
  } catch {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}).listen(80, address);
