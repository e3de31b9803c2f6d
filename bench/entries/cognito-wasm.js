// cognito-wasm as an app ships it: the whole JS glue (every export, so nothing the API offers is
// tree-shaken away) + cognito_wasm_bg.wasm, which size.mjs adds as a separate asset.
export * from 'cognito-wasm';
export { default } from 'cognito-wasm';
