#!/usr/bin/env node
// Builds the loadable extension into dist/ (gitignored):
//
//   cd sdk/js && npm ci; cd ../extension && npm ci
//   node build.mjs [--server http://127.0.0.1:8080] [--out dist]
//
// An extension can load only files inside its own directory, and the SDK's
// modules import npm packages (tr46, libphonenumber-js) by bare name, which
// a browser cannot resolve. So the service worker (src/background.js, which
// imports sdk/js/src directly: no copy lives in the repository) is bundled
// with esbuild into one ES module, and the static files (manifest, _locales,
// warning and options pages) are copied beside it. --server sets the server
// the extension uses until its options page sets another.

import { build } from 'esbuild';
import { cp, mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'http://127.0.0.1:8080' },
    out: { type: 'string', default: join(here, 'dist') },
  },
});
const server = new URL(values.server);
if (server.protocol !== 'http:' && server.protocol !== 'https:') {
  throw new Error(`--server ${values.server}: want an http(s) URL`);
}
const out = resolve(values.out);

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await cp(join(here, 'static'), out, { recursive: true });
await build({
  entryPoints: [join(here, 'src', 'background.js')],
  outfile: join(out, 'background.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'chrome120',
  // tr46 requires the npm package "punycode/", not Node's built-in.
  mainFields: ['module', 'main'],
  define: { SCAMCHECK_DEFAULT_SERVER: JSON.stringify(server.origin + server.pathname.replace(/\/+$/, '')) },
  legalComments: 'none',
  logLevel: 'warning',
});
console.log(`extension built in ${out} (default server ${server.origin})`);
