// Static server for the browser benchmark, on 127.0.0.1 and a free port. Cross-origin isolated (COOP + COEP)
// so that performance.now() has its fine resolution; nothing is cached.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, normalize, extname } from 'node:path';

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

// routes: { '/prefix/': directory }; extra: { '/path': () => body (string) }
export function serve(routes, extra) {
  const server = createServer(async (req, res) => {
    const headers = {
      'Cache-Control': 'no-store',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'cross-origin',
      'Access-Control-Allow-Origin': '*',
    };
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      if (extra[path]) {
        res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(path)] || 'text/plain' });
        res.end(extra[path]());
        return;
      }
      for (const [prefix, dir] of Object.entries(routes)) {
        if (!path.startsWith(prefix)) continue;
        const rel = normalize(path.slice(prefix.length));
        if (rel.startsWith('..') || rel.includes('\0')) break;
        const body = await readFile(join(dir, rel));
        res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(rel)] || 'application/octet-stream' });
        res.end(body);
        return;
      }
      res.writeHead(404, headers);
      res.end('not found');
    } catch {
      res.writeHead(404, headers);
      res.end('not found');
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
