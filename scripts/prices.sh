#!/usr/bin/env bash
# The price list: what each JS method and each part of the package costs in shipped bytes, measured as
# the package built with everything minus the package built without it (same toolchain and flags as
# pkg/; only this crate is recompiled per variant). Writes target/prices/prices.json for
# scripts/size.mjs, which prints it. About 40 s per variant on 2 cores.
#   scripts/prices.sh              every method and part (about 30 variants: 20-25 min on 2 cores)
#   scripts/prices.sh --parts      the parts only (what the test command runs)
#   scripts/prices.sh --parts m…   the parts and the methods named
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/wasm-package.sh

out=target/prices
mkdir -p "$out"
# name|cfg values left out (space separated)
variants=(
  "part:sign-in|signInWithRedirect signInWithPopup isRedirectCallback handleRedirectCallback"
  "part:popup sign-in|signInWithPopup"
  "part:session (tokens, refresh, user, sign-out, events)|getTokens currentUser signOut on"
  "part:credentials + SigV4|getCredentials signedFetch presignUrl signRequest"
  "part:SigV4 requests (signedFetch, presignUrl, signRequest)|signedFetch presignUrl signRequest"
  "part:user account (attributes, password, deletion)|fetchUserAttributes updateUserAttributes sendUserAttributeVerificationCode confirmUserAttribute changePassword deleteUser"
  "part:TOTP MFA|setUpTotp verifyTotpSetup updateMfaPreference fetchMfaPreference"
  "part:account + TOTP (the ten methods and their shared path)|fetchUserAttributes updateUserAttributes sendUserAttributeVerificationCode confirmUserAttribute changePassword deleteUser setUpTotp verifyTotpSetup updateMfaPreference fetchMfaPreference"
)
if [ "${1:-}" = --parts ]; then
  shift
  for m in "$@"; do variants+=("method:$m|$m"); done
else
  for m in signInWithRedirect signInWithPopup isRedirectCallback handleRedirectCallback getTokens currentUser signOut on \
    getCredentials signedFetch presignUrl signRequest credentialProvider fetchUserAttributes updateUserAttributes \
    sendUserAttributeVerificationCode confirmUserAttribute changePassword deleteUser \
    setUpTotp verifyTotpSetup updateMfaPreference fetchMfaPreference; do
    variants+=("method:$m|$m")
  done
fi

gz() { node -e 'const z=require("zlib"),f=require("fs");let t=0;for(const p of process.argv.slice(1))t+=z.gzipSync(f.readFileSync(p),{level:9}).length;console.log(t)' "$@"; }

# Every variant under the package's own file names (the names are in the glue), one folder each.
mkdir -p "$out/full" "$out/variant" "$out/verifier"
wasm_package "$out/full" cognito_wasm --features talc,compact-sha2
full=$(gz "$out/full/cognito_wasm_bg.wasm" "$out/full/cognito_wasm.js")
rows="{\"name\":\"full package\",\"gzip\":$full}"
for v in "${variants[@]}"; do
  name=${v%%|*}; values=${v#*|}
  args=()
  for m in $values; do args+=(--cfg "cw_without=\"$m\""); done
  echo "== prices: without $name" >&2
  wasm_package "$out/variant" cognito_wasm --features talc,compact-sha2 -- "${args[@]}" >&2
  without=$(gz "$out/variant/cognito_wasm_bg.wasm" "$out/variant/cognito_wasm.js")
  rows="$rows,{\"name\":\"$name\",\"gzip\":$((full - without))}"
done
wasm_package "$out/verifier" verifier --no-default-features --features talc,compact-sha2
rows="$rows,{\"name\":\"part:verifier (cognito-wasm/verifier alone)\",\"gzip\":$(gz "$out/verifier/verifier_bg.wasm" "$out/verifier/verifier.js")}"
echo "[$rows]" > "$out/prices.json"
echo "wrote $out/prices.json" >&2
