#!/usr/bin/env bash
# Builds the npm package in pkg/ from two release wasm builds on the pinned nightly (scripts/versions.sh;
# the flags are in scripts/wasm-package.sh):
#   cognito_wasm.{js,d.ts} + cognito_wasm_bg.wasm   everything (CognitoAuth, JwtVerifier, signRequest)
#   verifier.{js,d.ts}     + verifier_bg.wasm       `cognito-wasm/verifier`: JwtVerifier only
# The curated pkg/package.json and pkg/README.md are committed; the generated files are git-ignored.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/wasm-package.sh

wasm_package pkg verifier --no-default-features --features talc,compact-sha2
wasm_package pkg cognito_wasm --features talc,compact-sha2
cp LICENSE pkg/LICENSE
for name in verifier cognito_wasm; do
  echo "built pkg/$name: $(wc -c < "pkg/${name}_bg.wasm") bytes of wasm, $(wc -c < "pkg/$name.js") bytes of glue"
done
