import type { QuietFromWorker, QuietToWorker } from '$lib/protocol/quiet-fetch';

/** The slice of Worker the client uses (tests hand in a fake). */
export interface WorkerLike {
	postMessage(message: QuietToWorker): void;
	addEventListener(type: 'message', listener: (event: MessageEvent<QuietFromWorker>) => void): void;
}

/**
 * A fetch for GET probes that runs in a small worker: Chromium logs every refused connection in
 * the console of the context that made it, so probing a server that is not running (Ollama on a
 * first visit, and every few seconds after) would leave an error in the page's console. Requests
 * with a body, and every request where workers are missing, go to the page's own fetch.
 */
export function createQuietFetch(
	start: () => WorkerLike | null = startWorker,
	pageFetch: typeof fetch = (input, init) => globalThis.fetch(input, init)
): typeof fetch {
	let worker: WorkerLike | null | undefined;
	let nextId = 1;
	const waiting = new Map<number, (reply: QuietFromWorker) => void>();

	const connect = (): WorkerLike | null => {
		if (worker !== undefined) return worker;
		worker = start();
		worker?.addEventListener('message', (event) => {
			const reply = event.data;
			waiting.get(reply.id)?.(reply);
			waiting.delete(reply.id);
		});
		return worker;
	};

	return (input, init) => {
		const method = (init?.method ?? 'GET').toUpperCase();
		const url = typeof input === 'string' ? input : input instanceof URL ? input.href : null;
		const quiet = method === 'GET' && init?.body == null && url !== null ? connect() : null;
		if (!quiet || url === null) return pageFetch(input, init);
		const signal = init?.signal ?? undefined;
		if (signal?.aborted) return Promise.reject(signal.reason);
		const id = nextId++;
		return new Promise<Response>((resolve, reject) => {
			const onAbort = () => {
				waiting.delete(id);
				quiet.postMessage({ type: 'cancel', id });
				reject(signal?.reason ?? new DOMException('The request was aborted.', 'AbortError'));
			};
			signal?.addEventListener('abort', onAbort, { once: true });
			waiting.set(id, (reply) => {
				signal?.removeEventListener('abort', onAbort);
				if (reply.type === 'failed') {
					// What the page's fetch throws for a refused or blocked request.
					reject(new TypeError(`Failed to fetch (${reply.message})`));
					return;
				}
				resolve(
					new Response(reply.status === 204 || reply.status === 304 ? null : reply.body, {
						status: reply.status,
						statusText: reply.statusText,
						headers: reply.headers
					})
				);
			});
			quiet.postMessage({ type: 'get', id, url, headers: headersOf(init?.headers) });
		});
	};
}

function headersOf(headers: HeadersInit | undefined): Record<string, string> {
	return Object.fromEntries(new Headers(headers ?? {}));
}

function startWorker(): WorkerLike | null {
	if (typeof Worker === 'undefined') return null;
	try {
		return new Worker(new URL('../../../workers/quiet-fetch.worker.ts', import.meta.url), {
			type: 'module',
			name: 'quiet-fetch'
		}) as WorkerLike;
	} catch {
		return null;
	}
}
