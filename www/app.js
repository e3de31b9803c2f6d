// The demo uses only the package's public JS API. trunk builds the crate and exposes its exports as
// window.wasmBindings once the module is initialised (event "TrunkApplicationStarted").
import config from './config.js';

const status = document.getElementById('status');
const show = (rows) => {
  status.replaceChildren(...rows.flatMap(([k, v]) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    return [dt, dd];
  }));
};

async function start() {
  const { JwtVerifier } = window.wasmBindings;
  const verifier = new JwtVerifier({
    userPoolId: config.userPoolId,
    tokenUse: 'id',
    clientId: config.clientId,
    issuer: config.issuer,
  });
  try {
    await verifier.hydrate();
    show([['module', 'loaded'], ['user pool', config.userPoolId], ['signing keys', 'fetched from the pool JWKS']]);
  } catch (e) {
    show([['module', 'loaded'], ['user pool', config.userPoolId], ['signing keys', `${e.code}: ${e.message}`]]);
  }
}

if (window.wasmBindings) start();
else addEventListener('TrunkApplicationStarted', start, { once: true });
