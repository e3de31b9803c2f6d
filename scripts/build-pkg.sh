#!/usr/bin/env bash
# Builds the npm package in pkg/: release wasm → wasm-bindgen (web target) → wasm-opt -Oz.
# The curated pkg/package.json and pkg/README.md are committed; the generated files are git-ignored.
set -euo pipefail
cd "$(dirname "$0")/.."

name=cognito_wasm
cargo build --release --target wasm32-unknown-unknown --lib -p cognito-wasm
wasm-bindgen --target web --out-dir pkg --out-name "$name" \
  "target/wasm32-unknown-unknown/release/$name.wasm"
# Debian's binaryen is too old (its output fails to instantiate in Chromium): use the npm one.
# wasm-bindgen drops the target_features section, so name rustc's default wasm32 features here
# (not --all-features, whose output Chromium rejects).
cp LICENSE pkg/LICENSE
node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-bulk-memory-opt --enable-sign-ext \
  --enable-mutable-globals --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
  "pkg/${name}_bg.wasm" -o "pkg/${name}_bg.wasm"
echo "built pkg/: $(wc -c < "pkg/${name}_bg.wasm") bytes of wasm"
