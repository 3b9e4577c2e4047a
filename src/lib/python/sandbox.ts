import { defaultPythonWorker, PythonConnection } from '$lib/python/connection';
import type { PythonWorkerLike } from '$lib/python/connection';
import type { ProxiedRequest, PythonRunResult, PythonStartResult } from '$lib/protocol/python';
import { HearthError, stopped } from '$lib/types/errors';
import { DEFAULT_SETTINGS } from '$lib/types/settings';

export type PythonState = 'idle' | 'starting' | 'ready' | 'running';

export type PythonProgress = { fraction?: number; text: string };

export interface PythonRunOptions {
	/** Wall-clock limit for the code itself (not start-up or package downloads). */
	timeoutMs?: number;
	/** Copied into the sandbox read-only as /data/<name>. */
	attachments?: readonly { name: string; data: Blob }[];
	/** Lends the code a fetch that goes through `fetch` below (pyodide.http.pyfetch works). */
	allowNetwork?: boolean;
	onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
	/** Start-up and package-loading progress. */
	onProgress?: (progress: PythonProgress) => void;
	/** Stops the run: KeyboardInterrupt when isolated, otherwise the worker is replaced. */
	signal?: AbortSignal;
	/**
	 * Asked before packages are fetched from `packagesUrl`; absent means packages are never
	 * fetched (the code then fails with ModuleNotFoundError, as a result).
	 */
	confirmPackages?: (packages: string[], host: string) => Promise<boolean>;
	/**
	 * The only network the sandbox has (pass the ledgered NetFetch); absent means none. `kind`
	 * says who asks: Pyodide for a package the user agreed to (only ever under `packagesUrl`),
	 * or the code itself (only with `allowNetwork`; the caller applies the address rules).
	 */
	fetch?: (
		url: string,
		init: RequestInit,
		purpose: string,
		kind: 'package' | 'code'
	) => Promise<Response>;
	/**
	 * The turn holds untrusted text, so this code may have been written by it. What it leaves in
	 * the interpreter (modules, timers, patched built-ins) must not reach a later run that is not
	 * tainted: that run gets a fresh interpreter.
	 */
	tainted?: boolean;
	/** Where packages come from (Settings.pythonPackagesUrl); a change restarts the worker. */
	packagesUrl?: string;
}

export interface PythonSandboxOptions {
	/** Starts a fresh worker; called again after a stop or crash. */
	createWorker?: () => PythonWorkerLike;
	/** How long a new worker may take to say `ready`. */
	readyTimeoutMs?: number;
	/** Whether SharedArrayBuffer interrupts are possible; defaults to `crossOriginIsolated`. */
	isolated?: boolean;
	/** How long an interrupted run may take to end before its worker is terminated. */
	interruptGraceMs?: number;
}

const DEFAULT_TIMEOUT_MS = DEFAULT_SETTINGS.pythonTimeoutSeconds * 1000;

function timedOut(ms: number): HearthError {
	const seconds = Math.round(ms / 100) / 10;
	return new HearthError(
		'python_timeout',
		`The Python code ran longer than ${seconds} s and was stopped. Look for an endless loop, or do less work in one run.`
	);
}

function hostOf(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return url;
	}
}

/** Whether `url` lies under the folder `base` (which ends in '/'), after normalising both. */
function underBase(url: string, base: string): boolean {
	try {
		return new URL(url).href.startsWith(new URL(base).href);
	} catch {
		return false;
	}
}

function withSlash(url: string): string {
	return url.endsWith('/') ? url : `${url}/`;
}

function toInit(request: ProxiedRequest): RequestInit & { integrity?: string } {
	return {
		method: request.method,
		headers: request.headers,
		body: request.body,
		integrity: request.integrity
	};
}

interface Live {
	connection: PythonConnection;
	started: Promise<PythonStartResult>;
	packagesUrl: string;
	interrupt?: Uint8Array;
	/**
	 * What code has run here: an interpreter serves runs of one network mode only, and one that
	 * ran tainted code serves only tainted runs after (see PythonRunOptions.tainted).
	 */
	used?: { network: boolean; tainted: boolean };
}

/**
 * Python in a worker (Pyodide), one run at a time. Start-up is lazy and shared; a run that is
 * stopped, times out, runs out of memory or crashes leaves a fresh worker starting behind it.
 */
export class PythonSandbox {
	readonly #createWorker: () => PythonWorkerLike;
	readonly #readyTimeoutMs: number;
	readonly #isolated: boolean;
	readonly #graceMs: number;
	#live: Live | undefined;
	#startProgress = new Set<(p: PythonProgress) => void>();
	#queue: Promise<unknown> = Promise.resolve();
	#running = false;
	#starting = false;

	constructor(options: PythonSandboxOptions = {}) {
		this.#createWorker = options.createWorker ?? defaultPythonWorker;
		this.#readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
		this.#isolated =
			options.isolated ??
			(globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
		this.#graceMs = options.interruptGraceMs ?? 1000;
	}

	get state(): PythonState {
		if (this.#running) return 'running';
		if (this.#starting) return 'starting';
		return this.#live ? 'ready' : 'idle';
	}

	/** Whether a stop lands as KeyboardInterrupt (cross-origin isolated) rather than a restart. */
	get interruptible(): boolean {
		return this.#isolated && typeof SharedArrayBuffer === 'function';
	}

	/** Starts Python (or joins a start in progress). An abort only stops this caller waiting. */
	start(
		onProgress?: (p: PythonProgress) => void,
		signal?: AbortSignal,
		packagesUrl: string = DEFAULT_SETTINGS.pythonPackagesUrl
	): Promise<PythonStartResult> {
		if (signal?.aborted) return Promise.reject(stopped());
		const live = this.#ensure(withSlash(packagesUrl));
		if (onProgress) this.#startProgress.add(onProgress);
		return new Promise<PythonStartResult>((resolve, reject) => {
			const onAbort = () => reject(stopped());
			signal?.addEventListener('abort', onAbort, { once: true });
			live.started.then(resolve, reject).finally(() => {
				signal?.removeEventListener('abort', onAbort);
				if (onProgress) this.#startProgress.delete(onProgress);
			});
		});
	}

	/** Runs `code`; a Python exception is a result (`error`), not a rejection. */
	run(code: string, options: PythonRunOptions = {}): Promise<PythonRunResult> {
		const next = this.#queue.then(() => this.#run(code, options));
		this.#queue = next.catch(() => undefined);
		return next;
	}

	/** Ends the worker; the next start or run begins a fresh one. */
	dispose(): void {
		this.#live?.connection.kill(stopped());
		this.#live = undefined;
		this.#starting = false;
	}

	#ensure(packagesUrl: string): Live {
		if (this.#live && !this.#live.connection.dead && this.#live.packagesUrl === packagesUrl) {
			return this.#live;
		}
		this.#live?.connection.kill(stopped());
		const connection = new PythonConnection(this.#createWorker(), this.#readyTimeoutMs);
		const interrupt = this.interruptible ? new Uint8Array(new SharedArrayBuffer(1)) : undefined;
		this.#starting = true;
		const started = connection.ready
			.then(() =>
				connection.request(
					'start',
					{ packagesUrl, interrupt: interrupt?.buffer as SharedArrayBuffer | undefined },
					{ onProgress: (p) => this.#startProgress.forEach((listener) => listener(p)) }
				)
			)
			.catch((e: unknown) => {
				const error =
					e instanceof HearthError && e.code !== 'python_crashed'
						? e
						: new HearthError('python_start_failed', 'Python could not start in this browser.', {
								cause: e
							});
				if (this.#live?.connection === connection) this.#live = undefined;
				connection.kill(error);
				throw error;
			})
			.finally(() => {
				if (this.#live?.connection === connection || !this.#live) this.#starting = false;
			});
		started.catch(() => undefined);
		const live: Live = { connection, started, packagesUrl, interrupt };
		this.#live = live;
		return live;
	}

	/** Kills the worker behind `live` and starts a fresh one, so the next run starts warm. */
	#replace(live: Live, error: HearthError): void {
		live.connection.kill(error);
		if (this.#live !== live) return;
		this.#live = undefined;
		this.#ensure(live.packagesUrl).started.catch(() => undefined);
	}

	async #run(code: string, options: PythonRunOptions): Promise<PythonRunResult> {
		const { signal } = options;
		if (signal?.aborted) throw stopped();
		const packagesUrl = withSlash(options.packagesUrl ?? DEFAULT_SETTINGS.pythonPackagesUrl);
		const network = options.allowNetwork === true && options.fetch !== undefined;
		const tainted = options.tainted === true;
		await this.start(options.onProgress, signal, packagesUrl);
		let live = this.#ensure(packagesUrl);
		const { used } = live;
		if (used && (used.network !== network || (used.tainted && !tainted))) {
			// Code from another mode, or written after untrusted text, may have left something
			// behind (a timer waiting for network, a patched print): this run starts clean.
			this.#replace(live, stopped());
			await this.start(options.onProgress, signal, packagesUrl);
			live = this.#ensure(packagesUrl);
		}
		live.used = { network, tainted: tainted || (live.used?.tainted ?? false) };
		this.#running = true;
		try {
			await this.#loadPackages(live, code, packagesUrl, options);
			if (signal?.aborted) throw stopped();
			const files = await Promise.all(
				(options.attachments ?? []).map(async (a) => ({
					name: a.name,
					data: await a.data.arrayBuffer()
				}))
			);
			return await this.#execute(live, code, files, options);
		} catch (e) {
			if (e instanceof HearthError && (e.code === 'python_memory' || e.code === 'python_crashed')) {
				this.#replace(live, e);
			}
			throw e;
		} finally {
			this.#running = false;
		}
	}

	async #loadPackages(
		live: Live,
		code: string,
		packagesUrl: string,
		options: PythonRunOptions
	): Promise<void> {
		const { packages } = await live.connection.request('plan', { code });
		if (packages.length === 0 || !options.confirmPackages) return;
		const host = hostOf(packagesUrl);
		if (!(await options.confirmPackages(packages, host))) {
			throw new HearthError(
				'tool_denied',
				`Fetching ${packages.join(', ')} from ${host} was declined, so the code cannot import ${packages.length === 1 ? 'it' : 'them'}. Use the standard library instead.`
			);
		}
		const { fetch } = options;
		await live.connection.request(
			'loadPackages',
			{ names: packages },
			{
				onProgress: options.onProgress,
				onFetch: fetch
					? (request) => {
							// The user agreed to packages from this host: nothing else is fetched for them.
							if (!underBase(request.url, packagesUrl)) {
								return Promise.reject(
									new HearthError(
										'network_blocked',
										`Python packages come only from ${host}; ${hostOf(request.url)} was refused.`
									)
								);
							}
							const file = request.url.split('/').pop() ?? request.url;
							return fetch(request.url, toInit(request), `Python package: ${file}`, 'package');
						}
					: undefined
			}
		);
	}

	#execute(
		live: Live,
		code: string,
		files: { name: string; data: ArrayBuffer }[],
		options: PythonRunOptions
	): Promise<PythonRunResult> {
		const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
		const { signal, fetch } = options;
		if (live.interrupt) live.interrupt[0] = 0;
		return new Promise<PythonRunResult>((resolve, reject) => {
			let reason: HearthError | undefined;
			let grace: ReturnType<typeof setTimeout> | undefined;
			const stop = (why: HearthError) => {
				if (reason) return;
				reason = why;
				if (live.interrupt) {
					// Pyodide polls this byte and raises KeyboardInterrupt (signal 2 = SIGINT).
					Atomics.store(live.interrupt, 0, 2);
					grace = setTimeout(() => this.#replace(live, why), this.#graceMs);
				} else {
					this.#replace(live, why);
				}
			};
			const onAbort = () => stop(stopped());
			const timer = setTimeout(() => stop(timedOut(timeoutMs)), timeoutMs);
			signal?.addEventListener('abort', onAbort, { once: true });
			const settle = () => {
				clearTimeout(timer);
				clearTimeout(grace);
				signal?.removeEventListener('abort', onAbort);
			};
			live.connection
				.request(
					'run',
					{ code, files, allowNetwork: options.allowNetwork === true && fetch !== undefined },
					{
						onOutput: (stream, text) => options.onOutput?.(text, stream),
						onFetch:
							options.allowNetwork && fetch
								? (request) =>
										fetch(
											request.url,
											toInit(request),
											`Python code: ${hostOf(request.url)}`,
											'code'
										)
								: undefined
					},
					files.map((f) => f.data)
				)
				.then(
					(result) => {
						settle();
						if (reason && result.error?.type === 'KeyboardInterrupt') reject(reason);
						else resolve(result);
					},
					(e: unknown) => {
						settle();
						reject(reason ?? e);
					}
				);
		});
	}
}
