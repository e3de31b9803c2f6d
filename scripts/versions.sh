# Pinned tool versions, read by scripts/bootstrap.sh and scripts/build-pkg.sh.
# The release build of the npm package uses this nightly (build-std, immediate-abort panics); the crate
# itself builds, lints and tests on stable.
NIGHTLY=nightly-2026-05-20
TRUNK_VERSION=0.21.14
