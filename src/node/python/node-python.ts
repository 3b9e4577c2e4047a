// run_python in the terminal: the web app's PythonSandbox (one run at a time, the time limit,
// stop, a fresh interpreter after a crash, a timeout or tainted code) over a child process
// instead of a Web Worker. The child (python-child.ts, bundled beside the CLI) runs Pyodide
// from node_modules under Node's permission model: it may read Pyodide's files and its own
// script, and nothing else; it may not write, start processes or workers, or compile code from
// strings. It has no network of its own: like the browser's worker it asks through the
// protocol, and the sandbox answers only what the tool allows (the ledgered fetch).
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PythonToWorker } from '$lib/protocol/python';
import type { PythonWorkerLike } from '$lib/python/connection';
import { PythonSandbox } from '$lib/python/sandbox';
import { HearthError } from '$lib/types/errors';

export interface NodePythonOptions {
	/** The bundled child script (.hearth-cli/python-child.mjs beside the CLI's bundle). */
	childScript: string;
	/** The folder holding node_modules/pyodide. */
	packageRoot: string;
	/** How long Pyodide may take to start (8–12 s cold on two busy cores). */
	readyTimeoutMs?: number;
}

/** Where the bundled child is when the CLI runs from its bundle (.hearth-cli/hearth.mjs). */
export function defaultChildScript(): string {
	return path.join(path.dirname(fileURLToPath(import.meta.url)), 'python-child.mjs');
}

/** The repository (or install) root: the folder whose node_modules holds pyodide. */
export function defaultPackageRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
	for (let dir = from; ; dir = path.dirname(dir)) {
		if (existsSync(path.join(dir, 'node_modules', 'pyodide', 'package.json'))) return dir;
		if (path.dirname(dir) === dir) return from;
	}
}

/** Node's permission flags for the child: read Pyodide and the script, nothing more. */
export function childFlags(options: NodePythonOptions): string[] {
	const pyodide = path.join(options.packageRoot, 'node_modules', 'pyodide');
	return [
		'--experimental-permission',
		`--allow-fs-read=${options.childScript}`,
		`--allow-fs-read=${path.join(pyodide, '*')}`,
		// Module resolution reads the package.json files on the way to node_modules.
		`--allow-fs-read=${path.join(options.packageRoot, 'package.json')}`,
		`--allow-fs-read=${path.join(path.dirname(options.childScript), 'package.json')}`,
		'--disallow-code-generation-from-strings',
		'--no-warnings'
	];
}

type Listener = (event: Event & { data?: unknown }) => void;

/** A forked child as the WorkerPort the python connection talks to. */
function childPort(child: ChildProcess): PythonWorkerLike {
	const listeners = { message: [] as Listener[], error: [] as Listener[] };
	let ended = false;
	child.on('message', (data) => {
		for (const l of listeners.message) l(Object.assign(new Event('message'), { data }));
	});
	const died = () => {
		if (ended) return;
		ended = true;
		for (const l of listeners.error) l(new Event('error'));
	};
	child.on('exit', died);
	child.on('error', died);
	return {
		postMessage(message: PythonToWorker) {
			if (!ended && child.connected) child.send(message);
		},
		addEventListener(type, listener) {
			if (type === 'message' || type === 'error') listeners[type].push(listener);
		},
		terminate() {
			ended = true;
			child.kill('SIGKILL');
		}
	};
}

export function createNodePythonSandbox(options: NodePythonOptions): PythonSandbox {
	return new PythonSandbox({
		// No SharedArrayBuffer across processes: a stop or a timeout ends the child and the
		// next run starts a fresh one (as a browser page that is not cross-origin isolated does).
		isolated: false,
		readyTimeoutMs: options.readyTimeoutMs ?? 15_000,
		createWorker: () => {
			if (!existsSync(options.childScript)) {
				throw new HearthError(
					'python_start_failed',
					`The Python sandbox script ${options.childScript} is missing (bin/hearth.js builds it).`
				);
			}
			const child = fork(options.childScript, [], {
				execArgv: childFlags(options),
				serialization: 'advanced',
				stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
				cwd: path.dirname(options.childScript)
			});
			return childPort(child);
		}
	});
}
