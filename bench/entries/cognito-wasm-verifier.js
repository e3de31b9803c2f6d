// cognito-wasm/verifier as an app that only verifies tokens ships it: its whole JS glue + verifier_bg.wasm,
// which size.mjs adds as a separate asset.
export * from 'cognito-wasm/verifier';
export { default } from 'cognito-wasm/verifier';
