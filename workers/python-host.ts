import type {
	ProxiedRequest,
	ProxiedResponse,
	PythonCalls,
	PythonFile,
	PythonFromWorker,
	PythonRequest,
	PythonRunResult,
	PythonToWorker
} from '$lib/protocol/python';
import { answerCall, createCallQueue } from '$lib/protocol/rpc';
import { HearthError, toHearthError } from '$lib/types/errors';

// The adapter between Pyodide and the typed python protocol, free of `self` so it runs in Node
// against the real Pyodide. Calls run one at a time in arrival order. The worker has no network
// of its own: Pyodide's package fetches (and user code's, when allowed) go through `fetch`
// messages to the page, which records them in the privacy ledger.

/** The part of Emscripten's FS used to mount /data. */
interface EmscriptenNode {
	node_ops: Record<string, unknown>;
}
interface EmscriptenFs {
	mkdirTree(path: string): void;
	writeFile(path: string, data: Uint8Array): void;
	chmod(path: string, mode: number): void;
	mount(type: unknown, options: object, path: string): void;
	unmount(path: string): void;
	lookupPath(path: string): { node: EmscriptenNode };
	readdir(path: string): string[];
	filesystems: { MEMFS: unknown };
	ErrnoError: new (errno: number) => Error;
}

/** A Python callable as Pyodide hands it to JS; the results are PyProxies with toJs(). */
type PyCallable = ((...args: unknown[]) => unknown) & { destroy(): void };
interface PyList {
	toJs(): unknown[];
	destroy(): void;
}

/** The subset of Pyodide's API the host uses (pyodide's PyodideInterface satisfies it). */
export interface PyodideLike {
	version: string;
	FS: unknown;
	loadedPackages: Record<string, string>;
	lockfile: { packages: Record<string, { name: string; imports: string[] }> };
	runPython(code: string): unknown;
	setStdout(options: { write: (buffer: Uint8Array) => number }): void;
	setStderr(options: { write: (buffer: Uint8Array) => number }): void;
	setInterruptBuffer(buffer: Uint8Array): void;
	loadPackage(
		names: string[],
		options: { messageCallback: (m: string) => void; errorCallback: (m: string) => void }
	): Promise<unknown>;
}

export interface PyodideOptions {
	packageBaseUrl: string;
	env: Record<string, string>;
	/** Start-up chatter goes here rather than to the console. */
	stdout: (text: string) => void;
	stderr: (text: string) => void;
}

export interface PythonHostDeps {
	loadPyodide: (options: PyodideOptions) => Promise<PyodideLike>;
	post: (message: PythonFromWorker, transfer?: Transferable[]) => void;
	/** The global scope user code sees through `import js` (the worker's `self`). */
	scope: object;
	/**
	 * Called once Pyodide has loaded (it needs fetch for its own files) and before any user code:
	 * the worker strips its scope here (workers/python-lockdown.ts). Returns the names it could
	 * not remove; any at all and no code runs.
	 */
	lockdown: () => string[] | void;
	/**
	 * Checked before Pyodide loads: the routes out of the worker that its security policy did not
	 * close (workers/python-fence.ts). Any at all and Python is refused. Absent in Node, where
	 * there is no such policy and no page to protect.
	 */
	checkFence?: () => Promise<string[]>;
	now?: () => number;
}

export interface PythonHost {
	handle(message: PythonToWorker): void;
}

/**
 * Globals that reach the network, open another realm (which would have its own fetch), or read
 * the app's own storage: what the Node tests remove from Node's own globals, where the browser's
 * allowlist (python-lockdown.ts) cannot apply. `fetch` is lent back only while a package loads or
 * network is allowed.
 */
export const BLOCKED_GLOBALS = [
	'fetch',
	'XMLHttpRequest',
	'WebSocket',
	'WebSocketStream',
	'WebTransport',
	'EventSource',
	'importScripts',
	'Worker',
	'SharedWorker',
	'FontFace',
	'fonts',
	'caches',
	'indexedDB',
	'BroadcastChannel',
	'RTCPeerConnection',
	'RTCDataChannel'
] as const;

/**
 * Removes `names` from `scope` and everything up its prototype chain (fetch lives on
 * WorkerGlobalScope.prototype), so `js.fetch` is simply absent. Returns how to put them back,
 * which only the tests use.
 */
export function removeGlobals(scope: object, names: readonly string[]): () => void {
	const removed: { owner: object; name: string; descriptor: PropertyDescriptor }[] = [];
	for (const name of names) {
		for (let owner: object | null = scope; owner; owner = Object.getPrototypeOf(owner)) {
			const descriptor = Object.getOwnPropertyDescriptor(owner, name);
			if (!descriptor) continue;
			if (Reflect.deleteProperty(owner, name)) removed.push({ owner, name, descriptor });
		}
	}
	return () => {
		for (const { owner, name, descriptor } of removed.reverse()) {
			Object.defineProperty(owner, name, descriptor);
		}
	};
}

const EPERM = 63;
/** Bounded so a print loop cannot exhaust memory; the card has seen it all streamed anyway. */
const MAX_KEPT_OUTPUT = 1_000_000;
const OUTPUT_FLUSH_MS = 50;
const OUTPUT_FLUSH_BYTES = 8192;

const RUNNER_SOURCE = `
import base64, io, sys, traceback
from pyodide.code import eval_code_async, find_imports

def _hearth_user_frames(tb):
    while tb is not None and tb.tb_frame.f_code.co_filename != '<cell>':
        tb = tb.tb_next
    return tb

def _hearth_failure(e):
    text = ''.join(traceback.format_exception(type(e), e, _hearth_user_frames(e.__traceback__)))
    return [None, type(e).__name__, str(e), text]

async def _hearth_run(code):
    ns = {'__name__': '__main__'}
    try:
        value = await eval_code_async(code, ns, filename='<cell>')
    except SystemExit as e:
        if e.code is None or e.code == 0:
            return [None, None, None, None]
        return _hearth_failure(e)
    except BaseException as e:
        return _hearth_failure(e)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    if value is None:
        return [None, None, None, None]
    try:
        return [repr(value), None, None, None]
    except BaseException as e:
        return _hearth_failure(e)

def _hearth_imports(code):
    try:
        return list(find_imports(code))
    except SyntaxError:
        return []

def _hearth_figures():
    plt = sys.modules.get('matplotlib.pyplot')
    if plt is None:
        return []
    images = []
    for num in plt.get_fignums():
        buf = io.BytesIO()
        plt.figure(num).savefig(buf, format='png')
        images.append('data:image/png;base64,' + base64.b64encode(buf.getvalue()).decode('ascii'))
    plt.close('all')
    return images

def _hearth_forget_http():
    # pyodide.http binds js.fetch when first imported; re-importing binds it afresh.
    for name in [n for n in sys.modules if n == 'pyodide.http' or n.startswith('pyodide.http.')]:
        del sys.modules[name]

[_hearth_run, _hearth_imports, _hearth_figures, _hearth_forget_http]
`;

interface Runner {
	run: PyCallable;
	imports: PyCallable;
	figures: PyCallable;
	forgetHttp: PyCallable;
}

interface Session {
	py: PyodideLike;
	runner: Runner;
	/** Set once the interpreter failed in a way Python could not catch. */
	broken?: HearthError;
}

/** Collects one stream's output, forwarding it to the page in small batches as it comes. */
class OutputSink {
	kept = '';
	#pending = '';
	#lastPost = 0;
	readonly #decoder = new TextDecoder();

	constructor(
		private readonly send: (text: string) => void,
		private readonly now: () => number
	) {}

	write(bytes: Uint8Array): number {
		const text = this.#decoder.decode(bytes, { stream: true });
		if (this.kept.length < MAX_KEPT_OUTPUT) this.kept += text;
		this.#pending += text;
		// A busy loop never yields to timers, so batching is by time and size at write.
		const time = this.now();
		if (this.#pending.length >= OUTPUT_FLUSH_BYTES || time - this.#lastPost >= OUTPUT_FLUSH_MS) {
			this.flush();
		}
		return bytes.length;
	}

	flush(): void {
		this.#pending += this.#decoder.decode();
		if (this.kept.length > MAX_KEPT_OUTPUT) {
			this.kept = `${this.kept.slice(0, MAX_KEPT_OUTPUT)}\n[output truncated]\n`;
		}
		if (!this.#pending) return;
		this.send(this.#pending);
		this.#pending = '';
		this.#lastPost = this.now();
	}
}

function safeName(name: string, taken: Set<string>): string {
	let base = name.replace(/[/\\\0]/g, '_').trim() || 'file';
	if (base === '.' || base === '..') base = '_';
	let candidate = base;
	for (let n = 2; taken.has(candidate); n++) {
		const dot = base.lastIndexOf('.');
		candidate = dot > 0 ? `${base.slice(0, dot)} (${n})${base.slice(dot)}` : `${base} (${n})`;
	}
	taken.add(candidate);
	return candidate;
}

/**
 * Mounts `files` at /data as a fresh in-memory file system that cannot be changed: files are
 * 0444 in a 0555 directory, and chmod/truncate (setattr) are refused, so code cannot undo it.
 * A mount point also cannot be renamed or removed.
 */
function mountData(fs: EmscriptenFs, files: PythonFile[]): void {
	const mounted = fs.readdir('/').includes('data');
	if (mounted) {
		try {
			fs.unmount('/data');
		} catch {
			// Not a mount point yet (first run): the empty directory is reused.
		}
	} else {
		fs.mkdirTree('/data');
	}
	fs.mount(fs.filesystems.MEMFS, {}, '/data');
	const taken = new Set<string>();
	const refuse = () => {
		throw new fs.ErrnoError(EPERM);
	};
	for (const file of files) {
		const path = `/data/${safeName(file.name, taken)}`;
		fs.writeFile(path, new Uint8Array(file.data));
		fs.chmod(path, 0o444);
		const node = fs.lookupPath(path).node;
		node.node_ops = { ...node.node_ops, setattr: refuse };
	}
	fs.chmod('/data', 0o555);
	const dir = fs.lookupPath('/data').node;
	dir.node_ops = { ...dir.node_ops, setattr: refuse };
}

/** Python refused because the worker is not fenced; `open` names what was found open. */
export function unfenced(open: readonly string[]): HearthError {
	return new HearthError(
		'python_unfenced',
		"Python is switched off: this copy of Hearth reached the browser without the sandbox's " +
			'security policy, so code could send data out of the sandbox ' +
			`(open: ${open.join(', ')}). Reload the page once (the offline copy adds the policy), ` +
			'or serve Hearth with `npm start`.'
	);
}

function crashOf(e: unknown): HearthError {
	const message = e instanceof Error ? e.message : String(e);
	if (/out of memory|Cannot enlarge memory|Aborted\(OOM\)|allocation failed/i.test(message)) {
		return new HearthError(
			'python_memory',
			'Python ran out of memory and had to be restarted. Work on smaller pieces of data.',
			{ cause: e }
		);
	}
	return new HearthError('python_crashed', 'Python stopped unexpectedly and had to be restarted.', {
		cause: e
	});
}

export function createPythonHost(deps: PythonHostDeps): PythonHost {
	const now = deps.now ?? (() => performance.now());
	let session: Session | undefined;
	let starting: Promise<Session> | undefined;
	let nextFetchId = 1;
	/** Checked once per worker: a worker's policy cannot change while it lives. */
	let fence: Promise<string[]> | undefined;
	/** How long the fence check and the scope strip took, for the first start's result. */
	let fenceMs = 0;
	const fetches = new Map<
		number,
		{ resolve: (r: ProxiedResponse) => void; reject: (e: HearthError) => void }
	>();
	const scope = deps.scope as Record<string, unknown>;
	/** Where Pyodide's stdout/stderr go right now (a run's sinks, or nowhere). */
	let sinks: { stdout?: OutputSink; stderr?: OutputSink } = {};

	/** A fetch() that asks the page, on behalf of call `id`. */
	function proxyFetch(id: number) {
		return async (input: unknown, init?: RequestInit & { integrity?: string }) => {
			const request = new Request(input as RequestInfo, init);
			const body =
				request.method === 'GET' || request.method === 'HEAD'
					? undefined
					: await request.arrayBuffer();
			const proxied: ProxiedRequest = {
				url: request.url,
				method: request.method,
				headers: [...request.headers],
				body,
				integrity: init?.integrity || undefined
			};
			const fetchId = nextFetchId++;
			const answer = new Promise<ProxiedResponse>((resolve, reject) =>
				fetches.set(fetchId, { resolve, reject })
			);
			deps.post({ type: 'fetch', id, fetchId, request: proxied }, body ? [body] : []);
			const response = await answer;
			return new Response(response.status === 204 ? null : response.body, {
				status: response.status,
				statusText: response.statusText,
				headers: response.headers
			});
		};
	}

	/**
	 * Lends the page-backed fetch to the scope for the length of `work`. pyodide.http is forgotten
	 * on both sides, so it neither misses fetch during the loan nor keeps it after.
	 */
	async function withFetch<T>(id: number, work: () => Promise<T>): Promise<T> {
		const forget = () => session?.runner.forgetHttp();
		scope.fetch = proxyFetch(id);
		forget();
		try {
			return await work();
		} finally {
			delete scope.fetch;
			forget();
		}
	}

	async function start(
		id: number,
		params: PythonCalls['start']['params']
	): Promise<PythonCalls['start']['result']> {
		const started = now();
		const progress = (fraction: number, text: string) =>
			deps.post({ type: 'progress', id, progress: { fraction, text } });
		if (!session) {
			const checking = now();
			fence ??= deps.checkFence?.() ?? Promise.resolve([]);
			const open = await fence;
			fenceMs = now() - checking;
			if (open.length > 0) throw unfenced(open);
			progress(0.05, 'Loading Python…');
			starting ??= (async () => {
				const py = await deps.loadPyodide({
					packageBaseUrl: params.packagesUrl,
					// Figures render off-screen: there is no DOM in a worker.
					env: { MPLBACKEND: 'AGG' },
					stdout: () => undefined,
					stderr: () => undefined
				});
				const stripping = now();
				const left = deps.lockdown() ?? [];
				fenceMs += now() - stripping;
				if (left.length > 0) throw unfenced(left);
				progress(0.9, 'Preparing the sandbox…');
				const [run, imports, figures, forgetHttp] = (
					py.runPython(RUNNER_SOURCE) as PyList
				).toJs() as [PyCallable, PyCallable, PyCallable, PyCallable];
				const write = (stream: 'stdout' | 'stderr') => (bytes: Uint8Array) =>
					sinks[stream]?.write(bytes) ?? bytes.length;
				py.setStdout({ write: write('stdout') });
				py.setStderr({ write: write('stderr') });
				return { py, runner: { run, imports, figures, forgetHttp } };
			})();
			try {
				session = await starting;
			} catch (e) {
				// A scope that could not be stripped stays refused: no second try in this worker.
				if (e instanceof HearthError && e.code === 'python_unfenced') throw e;
				starting = undefined;
				throw new HearthError(
					'python_start_failed',
					`Python could not start: ${toHearthError(e).message}`,
					{ cause: e }
				);
			}
		}
		let interruptible = false;
		if (params.interrupt) {
			session.py.setInterruptBuffer(new Uint8Array(params.interrupt));
			interruptible = true;
		}
		progress(1, 'Python is ready.');
		return { version: session.py.version, interruptible, startMs: now() - started, fenceMs };
	}

	function requireSession(): Session {
		if (!session) throw new HearthError('python_start_failed', 'Python has not been started.');
		if (session.broken) throw session.broken;
		return session;
	}

	function plan(code: string): PythonCalls['plan']['result'] {
		const { py, runner } = requireSession();
		const list = runner.imports(code) as PyList;
		const modules = list.toJs() as string[];
		list.destroy();
		const packages = new Set<string>();
		for (const pkg of Object.values(py.lockfile.packages)) {
			if (py.loadedPackages[pkg.name]) continue;
			if (pkg.imports.some((m) => modules.includes(m))) packages.add(pkg.name);
		}
		return { packages: [...packages].sort() };
	}

	async function loadPackages(id: number, names: string[]): Promise<{ loaded: string[] }> {
		const { py } = requireSession();
		const problems: string[] = [];
		// loadPackage resolves even when a download fails; only the error callback says so.
		await withFetch(id, () =>
			py.loadPackage(names, {
				messageCallback: (m) => deps.post({ type: 'progress', id, progress: { text: m } }),
				errorCallback: (m) => problems.push(m)
			})
		);
		const missing = names.filter((name) => !py.loadedPackages[name]);
		if (missing.length > 0 || problems.length > 0) {
			const detail = problems.join(' ').replace(/\s+/g, ' ').trim();
			throw new HearthError(
				'package_unavailable',
				`Python could not load ${(missing.length ? missing : names).join(', ')}${detail ? ` (${detail})` : ''}. Check the Python package address in Settings and the network, or write the code with the standard library only.`
			);
		}
		return { loaded: names };
	}

	async function run(
		id: number,
		params: PythonCalls['run']['params']
	): Promise<PythonCalls['run']['result']> {
		const current = requireSession();
		const { py, runner } = current;
		const started = now();
		mountData(py.FS as EmscriptenFs, params.files);
		const stdout = new OutputSink(
			(text) => deps.post({ type: 'output', id, stream: 'stdout', text }),
			now
		);
		const stderr = new OutputSink(
			(text) => deps.post({ type: 'output', id, stream: 'stderr', text }),
			now
		);
		sinks = { stdout, stderr };
		let row: unknown[];
		let images: string[] = [];
		try {
			const execute = async () => {
				const proxy = (await runner.run(params.code)) as PyList;
				const values = proxy.toJs();
				proxy.destroy();
				return values;
			};
			row = params.allowNetwork ? await withFetch(id, execute) : await execute();
			const figures = runner.figures() as PyList;
			images = figures.toJs() as string[];
			figures.destroy();
		} catch (e) {
			// Python catches everything the user's code raises; reaching here means the
			// interpreter itself died (a wasm trap, a failed allocation). It is not reused.
			current.broken = crashOf(e);
			throw current.broken;
		} finally {
			stdout.flush();
			stderr.flush();
			sinks = {};
		}
		const [result, type, message, traceback] = row as (string | null)[];
		const out: PythonRunResult = {
			stdout: stdout.kept,
			stderr: stderr.kept,
			images,
			durationMs: now() - started
		};
		if (result != null) out.result = result;
		if (type != null) {
			out.error = { type, message: message ?? '', traceback: traceback ?? '' };
		}
		if (type === 'MemoryError') {
			// The wasm heap never shrinks: after a MemoryError the worker is replaced.
			current.broken = new HearthError(
				'python_memory',
				'The Python code ran out of memory (MemoryError). Work on smaller pieces of data, or process them in chunks.'
			);
			throw current.broken;
		}
		return out;
	}

	function execute(request: PythonRequest): Promise<void> {
		const { id } = request;
		return answerCall<PythonCalls>(
			request,
			{
				start: (params) => start(id, params),
				plan: (params) => plan(params.code),
				loadPackages: (params) => loadPackages(id, params.names),
				run: (params) => run(id, params)
			},
			deps.post,
			(e) => toHearthError(e).toJSON()
		);
	}

	const queue = createCallQueue(execute);

	return {
		handle(message) {
			if (message.type === 'fetch-result') {
				const pending = fetches.get(message.fetchId);
				if (!pending) return;
				fetches.delete(message.fetchId);
				if (message.ok) pending.resolve(message.response);
				else pending.reject(new HearthError(message.error.code, message.error.message));
				return;
			}
			queue.push(message);
		}
	};
}
