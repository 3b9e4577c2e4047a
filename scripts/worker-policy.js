// The Content-Security-Policy of the Python sandbox's worker, shared by everything that serves
// that script: scripts/serve.js (`npm start`, the tests), the Vite dev and preview servers, and
// the service worker (vite.config.ts), which adds it to the cached copy so a static host that
// sends no headers still delivers it from the second visit on.
//
// A dedicated worker does not inherit the page's <meta> policy: its policy is the one its own
// script arrived with. Python reaches JavaScript (the `js` module, `pyodide.code.run_js`), and
// some routes out cannot be deleted from a worker's globals (a dynamic `import()` is syntax), so
// this policy is the fence; the deleted globals in workers/python-host.ts are a second layer, and
// workers/python-fence.ts refuses to start Python when this policy is not in force.
// Plain ESM JavaScript with JSDoc types so Node, Vite and the tests can all import it.

/**
 * - `default-src 'none'`: nothing else loads (images, fonts, media, frames, manifests).
 * - `script-src 'self' 'wasm-unsafe-eval'`: Pyodide's own module and wasm from our origin; no
 *   `eval`/`new Function` (so Python cannot write new JavaScript), no `data:`/`blob:` modules,
 *   and no `import()` of another host.
 * - `connect-src 'self'`: Pyodide reads its runtime files from /pyodide/ on our origin; nothing
 *   else, whatever a script tries (fetch, XHR, WebSocket, EventSource, sendBeacon).
 * - `worker-src 'none'`: no nested workers (they would get their own, unfenced, globals).
 * No reporting directive: a violation report would itself be a request.
 */
export const PYTHON_WORKER_POLICY = [
	"default-src 'none'",
	"script-src 'self' 'wasm-unsafe-eval'",
	"connect-src 'self'",
	"worker-src 'none'",
	"base-uri 'none'",
	"form-action 'none'"
].join('; ');

/**
 * Whether a URL path is the Python worker's script: the hashed build file
 * (`/_app/immutable/workers/python.worker-<hash>.js`) or the dev server's source module
 * (`/workers/python.worker.ts`).
 * @param {string} pathname
 */
export function isPythonWorkerPath(pathname) {
	return /\/python\.worker(?:-[\w-]+)?\.(?:js|ts)$/.test(pathname);
}

/**
 * A workbox plugin that adds the policy to the Python worker's script, whether it came from the
 * network (a static host that sends no headers) or from the cache. Workbox copies a plugin's
 * functions into the generated service worker as their source text, so they cannot refer to
 * anything outside themselves: each is made from source with the policy spelled in, and its
 * source text is exactly what runs (here, in the tests, and in the service worker).
 * @returns {Record<string, (arg: Record<string, Response | undefined>) => Promise<Response | undefined>>}
 */
export function pythonPolicyPlugin() {
	/** @param {string} from the callback's argument that holds the response */
	const withPolicy = (from) =>
		new Function(`return async ({ ${from} }) => {
	if (!${from}) return ${from};
	const headers = new Headers(${from}.headers);
	headers.set('Content-Security-Policy', ${JSON.stringify(PYTHON_WORKER_POLICY)});
	return new Response(${from}.body, { status: ${from}.status, statusText: ${from}.statusText, headers });
}`)();
	return {
		fetchDidSucceed: withPolicy('response'),
		cachedResponseWillBeUsed: withPolicy('cachedResponse')
	};
}
