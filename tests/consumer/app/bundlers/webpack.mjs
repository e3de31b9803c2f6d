// Bundles bundlers/main.js with webpack 5 (its Node API, from the consumer app's node_modules) into
// dist/webpack/: `new URL('…_bg.wasm', import.meta.url)` becomes an emitted asset.
import webpack from 'webpack';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const app = dirname(dirname(fileURLToPath(import.meta.url)));
const stats = await new Promise((resolve, reject) => webpack({
  mode: 'production',
  context: app,
  entry: './bundlers/main.js',
  output: { path: join(app, 'dist', 'webpack'), filename: 'main.js', clean: true },
  performance: { hints: false },
}, (err, s) => (err ? reject(err) : resolve(s))));
if (stats.hasErrors()) {
  console.error(stats.toString('errors-only'));
  process.exit(1);
}
