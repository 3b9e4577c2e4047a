// The terminal's Python sandbox process: Pyodide (from node_modules) behind the same typed
// protocol and host as the web app's worker (workers/python-host.ts). Started by
// node-python.ts with Node's permission model (reads only Pyodide's own files and this script;
// no writes, child processes or workers) and code generation from strings disabled, so the
// `js` module's reach into this process ends at what is left below. After Pyodide has loaded,
// the lockdown removes the globals that reach the network or the process (fetch, process…);
// the IPC channel is bound first, so only this wiring talks to the terminal, and the terminal
// checks every message anyway.
import { constants } from 'node:fs';
import { loadPyodide } from 'pyodide';
import type { PythonFromWorker, PythonToWorker } from '$lib/protocol/python';
import {
	BLOCKED_GLOBALS,
	createPythonHost,
	removeGlobals,
	type PyodideLike
} from '$workers/python-host';

/** What this process may still reach once Python runs: nothing of Node's own. */
const NODE_GLOBALS = ['process', 'require', 'module', 'Buffer'] as const;

const send = process.send?.bind(process);
if (!send) throw new Error('python-child.ts runs as a forked child with an IPC channel.');

// Pyodide's NODEFS asks process.binding for the fs constants at start-up, which the permission
// model refuses; the same constants come from node:fs.
const withBinding = process as unknown as { binding: (name: string) => unknown };
const binding = withBinding.binding.bind(process);
withBinding.binding = (name: string) => (name === 'constants' ? { fs: constants } : binding(name));

const host = createPythonHost({
	loadPyodide: (options) => loadPyodide(options) as unknown as Promise<PyodideLike>,
	// Structured clone over IPC (serialization: 'advanced'): ArrayBuffers cross as they are.
	post: (message: PythonFromWorker) => void send(message),
	scope: globalThis,
	lockdown: () => {
		removeGlobals(globalThis, [...BLOCKED_GLOBALS, ...NODE_GLOBALS]);
		return [...BLOCKED_GLOBALS, ...NODE_GLOBALS].filter((name) => name in globalThis);
	}
});

process.on('message', (message) => host.handle(message as PythonToWorker));
send({ type: 'ready' } satisfies PythonFromWorker);
