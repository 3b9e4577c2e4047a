import type { CallRequest, CallResult } from '$lib/protocol/rpc';
import type { SerializedError } from '$lib/types/errors';

// The typed protocol between the page's PythonSandbox (src/lib/python) and
// workers/python.worker.ts. Same shape as the llm protocol: every call carries an id and is
// answered by exactly one `result`, after any number of `progress` (start) or `output` (run)
// events for that id. The worker has no network of its own: when Pyodide must fetch a package
// (or user code may use the network) it sends `fetch` and the page answers with `fetch-result`,
// so every request goes through the page's ledgered NetFetch.

/** Where the Pyodide runtime files are served on our own origin (vite.config.ts). */
export const PYODIDE_PATH = '/pyodide/';

/** A user file copied into the sandbox, read-only, as /data/<name>. */
export interface PythonFile {
	name: string;
	data: ArrayBuffer;
}

/** A Python exception raised by the user's code: a result the model reads, not a failure. */
export interface PythonException {
	/** The exception class, e.g. "ZeroDivisionError". */
	type: string;
	message: string;
	/** Formatted like CPython's, trimmed to the user's own frames (file "<cell>"). */
	traceback: string;
}

export interface PythonRunResult {
	stdout: string;
	stderr: string;
	/** repr() of the last expression, when the code ends in one that is not None. */
	result?: string;
	error?: PythonException;
	/** PNG data: URLs, one per open matplotlib figure. */
	images: string[];
	durationMs: number;
}

export interface PythonStartResult {
	/** Pyodide's version. */
	version: string;
	/** Whether the worker could use the interrupt buffer (KeyboardInterrupt instead of terminate). */
	interruptible: boolean;
	startMs: number;
	/** Of that, checking the worker's security policy and stripping its scope (first start only). */
	fenceMs?: number;
}

export interface PythonPackagePlan {
	/** Packages from Pyodide's lock file the code imports that are not loaded yet. */
	packages: string[];
}

/** Call name → params and result: a switch on `call` gives typed params without a cast. */
export interface PythonCalls {
	start: {
		params: {
			/** One byte Pyodide polls for Ctrl-C; only usable with cross-origin isolation. */
			interrupt?: SharedArrayBuffer;
			/** The package host (Settings.pythonPackagesUrl), ending in '/'. */
			packagesUrl: string;
		};
		result: PythonStartResult;
	};
	plan: { params: { code: string }; result: PythonPackagePlan };
	loadPackages: { params: { names: string[] }; result: { loaded: string[] } };
	run: {
		params: { code: string; files: PythonFile[]; allowNetwork: boolean };
		result: PythonRunResult;
	};
}

export type PythonCallName = keyof PythonCalls;

export type PythonRequest = CallRequest<PythonCalls>;

/** A fetch made for the worker; the body is transferred, not copied. */
export interface ProxiedRequest {
	url: string;
	method: string;
	headers: [string, string][];
	body?: ArrayBuffer;
	/** Subresource integrity, as Pyodide passes it for package files. */
	integrity?: string;
}

export interface ProxiedResponse {
	status: number;
	statusText: string;
	headers: [string, string][];
	body: ArrayBuffer;
}

export type PythonToWorker =
	| PythonRequest
	| { type: 'fetch-result'; fetchId: number; ok: true; response: ProxiedResponse }
	| { type: 'fetch-result'; fetchId: number; ok: false; error: SerializedError };

export type PythonResult = CallResult<PythonCalls>;

export type PythonFromWorker =
	/** Posted once the worker's message handler is installed. */
	| { type: 'ready' }
	| { type: 'progress'; id: number; progress: { fraction?: number; text: string } }
	| { type: 'output'; id: number; stream: 'stdout' | 'stderr'; text: string }
	/** `id` is the call the fetch serves (loadPackages or run); `fetchId` pairs the answer. */
	| { type: 'fetch'; id: number; fetchId: number; request: ProxiedRequest }
	| PythonResult;
