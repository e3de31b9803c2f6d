// The worker is a module worker (`{ type: 'module' }`), so Vite bundles it as ES modules too.
export default { worker: { format: 'es' } };
