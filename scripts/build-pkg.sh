#!/usr/bin/env bash
# Builds the npm package in pkg/ from two release wasm builds on the pinned nightly (scripts/versions.sh):
#   cognito_wasm.{js,d.ts} + cognito_wasm_bg.wasm   everything (CognitoAuth, JwtVerifier, signRequest)
#   verifier.{js,d.ts}     + verifier_bg.wasm       `cognito-wasm/verifier`: JwtVerifier only
# Each: cargo build (build-std with optimize_for_size, panic=immediate-abort, no panic locations, no Debug
# formatting) → wasm-bindgen (web target) → wasm-opt -Oz → esbuild --minify of the JS glue.
# The curated pkg/package.json and pkg/README.md are committed; the generated files are git-ignored.
#   scripts/build-pkg.sh            both builds
#   scripts/build-pkg.sh --stable   the same on the stable toolchain without the nightly flags (for comparison)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/versions.sh

toolchain=(+"$NIGHTLY")
std_flags=(-Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size)
rustflags="-Cpanic=immediate-abort -Zunstable-options -Zlocation-detail=none -Zfmt-debug=none"
target_dir=target/pkg
if [ "${1:-}" = --stable ]; then
  toolchain=(); std_flags=(); rustflags=""; target_dir=target/pkg-stable
fi

# build <out-name> <cargo feature args...>
build() {
  local name=$1; shift
  RUSTFLAGS="$rustflags" cargo "${toolchain[@]}" build --release --target wasm32-unknown-unknown --lib \
    -p cognito-wasm --locked --target-dir "$target_dir" "${std_flags[@]}" "$@"
  wasm-bindgen --target web --out-dir pkg --out-name "$name" \
    "$target_dir/wasm32-unknown-unknown/release/cognito_wasm.wasm"
  # Debian's binaryen is too old (its output fails to instantiate in Chromium): use the npm one.
  # wasm-bindgen drops the target_features section, so name rustc's default wasm32 features here
  # (not --all-features, whose output Chromium rejects).
  node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-bulk-memory-opt --enable-sign-ext \
    --enable-mutable-globals --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
    "pkg/${name}_bg.wasm" -o "pkg/${name}_bg.wasm"
  # The glue as an app's bundler would minify it; `new URL('…_bg.wasm', import.meta.url)` stays intact.
  node_modules/.bin/esbuild "pkg/$name.js" --minify --format=esm --log-level=warning \
    --outfile="pkg/$name.min.js"
  mv "pkg/$name.min.js" "pkg/$name.js"
  echo "built pkg/$name: $(wc -c < "pkg/${name}_bg.wasm") bytes of wasm, $(wc -c < "pkg/$name.js") bytes of glue"
}

build verifier --no-default-features
build cognito_wasm
cp LICENSE pkg/LICENSE
