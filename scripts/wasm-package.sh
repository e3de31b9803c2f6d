# Sourced by scripts/build-pkg.sh and scripts/prices.sh: one release build of the package's wasm on the
# pinned nightly (build-std with optimize_for_size, panic=immediate-abort, no panic locations, no Debug
# formatting, no reference-types/multivalue) → wasm-bindgen (web target) → wasm-opt -Oz → esbuild --minify of the JS glue → short
# import names in both (scripts/minify-imports.mjs).
#   wasm_package <out-dir> <out-name> [cargo args...] [-- rustc args...]
# rustc args (e.g. --cfg 'cw_without="signOut"') apply to this crate only, so dependencies stay built.
. "$(dirname "${BASH_SOURCE[0]}")/versions.sh"

PKG_TARGET_DIR=${PKG_TARGET_DIR:-target/pkg}
# Without reference-types and multivalue, wasm-bindgen keeps JS values in its glue's table instead of an
# externref table with a shim per export: 0.8 KB smaller in all (the wasm −1.1 KB, the glue +0.3 KB).
PKG_RUSTFLAGS="-Cpanic=immediate-abort -Zunstable-options -Zlocation-detail=none -Zfmt-debug=none -Ctarget-feature=-reference-types,-multivalue"

wasm_package() {
  local out=$1 name=$2; shift 2
  local cargo_args=() rustc_args=()
  while [ $# -gt 0 ]; do
    if [ "$1" = -- ]; then shift; rustc_args=("$@"); break; fi
    cargo_args+=("$1"); shift
  done
  RUSTFLAGS="$PKG_RUSTFLAGS" cargo "+$NIGHTLY" rustc --release --target wasm32-unknown-unknown --lib \
    -p cognito-wasm --locked --target-dir "$PKG_TARGET_DIR" \
    -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size "${cargo_args[@]}" \
    -- "${rustc_args[@]}"
  wasm-bindgen --target web --out-dir "$out" --out-name "$name" \
    "$PKG_TARGET_DIR/wasm32-unknown-unknown/release/cognito_wasm.wasm"
  # Debian's binaryen is too old (its output fails to instantiate in Chromium): use the npm one.
  # wasm-bindgen drops the target_features section, so name rustc's default wasm32 features here
  # (not --all-features, whose output Chromium rejects).
  # --low-memory-unused: the first 1 KB of memory is never addressed, so constant offsets fold into loads
  # and stores (−0.7 KB gz). Rust's linker puts the 1 MB stack first, growing down towards 0: only a
  # stack 1,047 KB deep would reach that KB (the data starts at 1 MB).
  # -aimfs=4: functions of up to 4 expressions are always inlined: V8 compiles each function the first
  # time it runs, so a returning visit reaches 17 functions fewer (bench/lazy.mjs), for +12 bytes gz.
  node_modules/.bin/wasm-opt -Oz --converge --low-memory-unused -aimfs=4 --strip-producers --strip-target-features --enable-bulk-memory --enable-bulk-memory-opt --enable-sign-ext \
    --enable-mutable-globals --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
    "$out/${name}_bg.wasm" -o "$out/${name}_bg.wasm"
  # Edits of the glue (scripts/patch-glue.mjs): AuthError inlined, the Node init() message, shorter warnings.
  node scripts/patch-glue.mjs "$out/$name.js"
  # The glue now holds the one snippet (src/js/auth-error.js): the package ships no snippets/ folder.
  rm -rf "$out/snippets"
  # The glue as an app's bundler would minify it; `new URL('…_bg.wasm', import.meta.url)` stays intact.
  node_modules/.bin/esbuild "$out/$name.js" --minify --format=esm --log-level=warning \
    --outfile="$out/$name.min.js"
  mv "$out/$name.min.js" "$out/$name.js"
  node scripts/minify-imports.mjs "$out" "$name" >/dev/null
}
