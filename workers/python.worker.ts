import type { PythonFromWorker, PythonToWorker } from '$lib/protocol/python';
import { PYODIDE_PATH } from '$lib/protocol/python';
import { openRoutes, type FenceScope } from '$workers/python-fence';
import { createPythonHost } from '$workers/python-host';
import type { PyodideLike, PyodideOptions } from '$workers/python-host';
import { lockDownScope } from '$workers/python-lockdown';

// Thin: loads Pyodide from our own origin (never a CDN) and wires it and this worker's scope to
// the host. Everything worth testing lives in python-host.ts, python-fence.ts and
// python-lockdown.ts.

/** The DedicatedWorkerGlobalScope members used here (the project's lib is DOM, not WebWorker). */
interface WorkerScope {
	postMessage(message: PythonFromWorker, transfer?: Transferable[]): void;
	addEventListener(type: 'message', listener: (event: MessageEvent<PythonToWorker>) => void): void;
}

const scope = self as unknown as WorkerScope;
// Bound before the lockdown removes postMessage from the scope, so user code cannot forge
// protocol messages (such as a fetch request) while this wiring still can talk to the page.
const post = scope.postMessage.bind(scope);

async function loadPyodide(options: PyodideOptions): Promise<PyodideLike> {
	const indexURL = new URL(PYODIDE_PATH, self.location.origin).href;
	// Loaded at run time from /pyodide/, not bundled: Pyodide finds its wasm and stdlib beside it.
	const module = (await import(/* @vite-ignore */ `${indexURL}pyodide.mjs`)) as {
		loadPyodide: (config: PyodideOptions & { indexURL: string }) => Promise<PyodideLike>;
	};
	return module.loadPyodide({ ...options, indexURL });
}

const host = createPythonHost({
	loadPyodide,
	post: (message, transfer) => post(message, transfer ?? []),
	scope: self,
	checkFence: () => openRoutes(self as unknown as FenceScope),
	lockdown: () => lockDownScope(self, ['postMessage', 'close'])
});

// Installed synchronously, before anything awaits, so no early message is lost; `ready` tells
// the page it may start sending. Only the page's messages count: user code can dispatch a
// synthetic MessageEvent on this scope, and such an event is never trusted.
scope.addEventListener('message', (event) => {
	if (event.isTrusted) host.handle(event.data);
});
post({ type: 'ready' });
