// Builds the web UI into dist/: the page's ES module (app.js, with MapLibre
// inside), the chunks it loads later (chunks/: terra-draw for the lasso, the
// negotiation's views), MapLibre's worker beside it, the CSS and the page.
// Nothing is fetched at run time but the hecmap server's own API and tiles.
// Each script, stylesheet and page gets a .gz twin the server sends as is.
//   node build.mjs            # production build (minified, with source maps)
//   node build.mjs --watch    # rebuild on change
//   HECMAP_WEB_DIST=/tmp/x node build.mjs   # build somewhere else than dist/
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, process.env.HECMAP_WEB_DIST || 'dist');
const watch = process.argv.includes('--watch');

fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(dist, { recursive: true });

const copy = (from, to) => fs.copyFileSync(path.join(here, from), path.join(dist, to));
copy('src/index.html', 'index.html');
copy('node_modules/maplibre-gl/dist/maplibre-gl-worker.mjs', 'maplibre-gl-worker.mjs');

const options = {
  entryPoints: { app: 'src/main.js', style: 'src/style.css' },
  bundle: true,
  format: 'esm',
  // Code the first picture of the map does not need is split off and
  // loaded on first use (dynamic import()).
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  target: ['chrome110', 'firefox115', 'safari16'],
  outdir: dist,
  minify: !watch,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'info',
  absWorkingDir: here,
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
  precompress(dist);
}

/**
 * Writes `name.gz` beside each script, stylesheet and page, compressed
 * once at the best level: the server sends it as is to browsers that take
 * gzip instead of compressing 1 MB of script on every first visit.
 * @param {string} dir
 */
function precompress(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) precompress(file);
    else if (/\.(m?js|css|html)$/.test(entry.name)) {
      const packed = zlib.gzipSync(fs.readFileSync(file), { level: 9 });
      fs.writeFileSync(`${file}.gz`, packed);
    }
  }
}
