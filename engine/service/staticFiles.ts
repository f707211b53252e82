import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/**
 * Serves the built renderer (`npm run build` → out/renderer) read-only, so a browser gets the same
 * console page as the desktop app. Paths are confined to the folder; anything else is a 404.
 */
export function staticFiles(rootDir: string): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const root = resolve(rootDir);
  return async (req, res) => {
    if (req.method !== 'GET' || !req.url) return false;
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (!file.startsWith(root + sep) || !existsSync(file)) return false;
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    res.end(body);
    return true;
  };
}
