// Builds the web UI into dist/: one bundled ES module (app.js) with MapLibre
// and terra-draw inside, MapLibre's worker beside it, the CSS and the page.
// Nothing is fetched at run time but the hecmap server's own API and tiles.
//   node build.mjs            # production build (minified, with source maps)
//   node build.mjs --watch    # rebuild on change
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
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
}
