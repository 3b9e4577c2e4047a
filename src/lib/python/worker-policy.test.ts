import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../../scripts/serve.js';
import {
	isPythonWorkerPath,
	PYTHON_WORKER_POLICY,
	pythonPolicyPlugin
} from '../../../scripts/worker-policy.js';

// The Python worker's own Content-Security-Policy, as each server delivers it with the worker's
// script. Whether Chromium then enforces it on the worker is tests/e2e/python-fence.spec.ts.

const WORKER = '/_app/immutable/workers/python.worker-AbC123_x.js';
let server: Awaited<ReturnType<typeof startServer>> | undefined;
let bare: Awaited<ReturnType<typeof startServer>> | undefined;

beforeAll(async () => {
	const build = path.join(mkdtempSync(path.join(tmpdir(), 'hearth-policy-')), 'build');
	mkdirSync(path.join(build, '_app/immutable/workers'), { recursive: true });
	writeFileSync(path.join(build, 'index.html'), '<!doctype html><title>app shell</title>');
	writeFileSync(path.join(build, WORKER.slice(1)), 'postMessage({ type: "ready" });');
	writeFileSync(path.join(build, '_app/immutable/workers/llm.worker-Z9.js'), '// llm');
	server = await startServer({ dir: build, port: 0, quiet: true });
	bare = await startServer({ dir: build, port: 0, quiet: true, workerPolicy: false });
});

afterAll(async () => {
	await Promise.all([server?.close(), bare?.close()]);
});

describe('the Python worker policy', () => {
	it('closes script, connect and worker routes and has no reporting endpoint', () => {
		expect(PYTHON_WORKER_POLICY).toContain("default-src 'none'");
		expect(PYTHON_WORKER_POLICY).toContain("script-src 'self' 'wasm-unsafe-eval'");
		expect(PYTHON_WORKER_POLICY).not.toMatch(
			/'unsafe-eval'|'unsafe-inline'|data:|blob:|https?:|\*/
		);
		expect(PYTHON_WORKER_POLICY).toContain("connect-src 'self'");
		expect(PYTHON_WORKER_POLICY).toContain("worker-src 'none'");
		expect(PYTHON_WORKER_POLICY).not.toMatch(/report-(uri|to)/);
	});

	it('recognises the built and the dev worker script, and nothing else', () => {
		expect(isPythonWorkerPath(WORKER)).toBe(true);
		expect(isPythonWorkerPath('/workers/python.worker.ts')).toBe(true);
		expect(isPythonWorkerPath('/_app/immutable/workers/llm.worker-Z9.js')).toBe(false);
		expect(isPythonWorkerPath('/pyodide/pyodide.mjs')).toBe(false);
	});

	it('scripts/serve.js sends it with the worker script only (and not when told to play a bare host)', async () => {
		const policy = (await fetch(`${server!.url}${WORKER}`)).headers;
		expect(policy.get('content-security-policy')).toBe(PYTHON_WORKER_POLICY);
		const other = await fetch(`${server!.url}/_app/immutable/workers/llm.worker-Z9.js`);
		expect(other.headers.get('content-security-policy')).toBeNull();
		const plain = await fetch(`${bare!.url}${WORKER}`);
		expect(plain.headers.get('content-security-policy')).toBeNull();
	});

	it('the service worker plugin adds it to network and cached copies, from its own source', async () => {
		const plugin = pythonPolicyPlugin();
		const fromNetwork = await plugin.fetchDidSucceed!({
			response: new Response('x', { status: 200, headers: { 'Content-Type': 'text/javascript' } })
		});
		expect(fromNetwork?.headers.get('content-security-policy')).toBe(PYTHON_WORKER_POLICY);
		expect(fromNetwork?.headers.get('content-type')).toBe('text/javascript');
		expect(await fromNetwork?.text()).toBe('x');
		const cached = await plugin.cachedResponseWillBeUsed!({ cachedResponse: new Response('y') });
		expect(cached?.headers.get('content-security-policy')).toBe(PYTHON_WORKER_POLICY);
		expect(await plugin.cachedResponseWillBeUsed!({ cachedResponse: undefined })).toBeUndefined();
		// Workbox writes String(fn) into sw.js: the text must stand on its own and carry the policy.
		const source = String(plugin.fetchDidSucceed);
		expect(source).toContain(JSON.stringify(PYTHON_WORKER_POLICY));

		const copied = new Function(`return ${source}`)() as typeof plugin.fetchDidSucceed;
		const again = await copied!({ response: new Response('z') });
		expect(again?.headers.get('content-security-policy')).toBe(PYTHON_WORKER_POLICY);
	});
});
