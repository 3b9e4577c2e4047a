import { describe, expect, it, vi } from 'vitest';
import { createQuietFetch, type WorkerLike } from '$lib/engine/quiet-fetch';
import type { QuietFromWorker, QuietToWorker } from '$lib/protocol/quiet-fetch';

/** A worker double that answers each GET with `reply`; the real worker is one fetch call. */
function fakeWorker(reply: (m: Extract<QuietToWorker, { type: 'get' }>) => QuietFromWorker | null) {
	const sent: QuietToWorker[] = [];
	let listener: ((event: MessageEvent<QuietFromWorker>) => void) | null = null;
	const worker: WorkerLike = {
		postMessage(message) {
			sent.push(message);
			if (message.type !== 'get') return;
			const answer = reply(message);
			if (answer)
				queueMicrotask(() => listener?.({ data: answer } as MessageEvent<QuietFromWorker>));
		},
		addEventListener(_type, l) {
			listener = l;
		}
	};
	return { worker, sent };
}

describe('createQuietFetch', () => {
	it('answers a GET from the worker with a real Response', async () => {
		const { worker, sent } = fakeWorker((m) => ({
			type: 'response',
			id: m.id,
			status: 200,
			statusText: 'OK',
			headers: [['content-type', 'application/json']],
			body: '{"models":[]}'
		}));
		const page = vi.fn<typeof fetch>();
		const quiet = createQuietFetch(() => worker, page);
		const response = await quiet('http://127.0.0.1:11434/api/tags', {
			headers: { Accept: 'application/json' }
		});
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({ models: [] });
		expect(sent[0]).toMatchObject({ type: 'get', url: 'http://127.0.0.1:11434/api/tags' });
		expect(sent[0]).toMatchObject({ headers: { accept: 'application/json' } });
		expect(page).not.toHaveBeenCalled();
	});

	it('fails like fetch (a TypeError) when nothing listens', async () => {
		const { worker } = fakeWorker((m) => ({
			type: 'failed',
			id: m.id,
			message: 'Failed to fetch'
		}));
		const quiet = createQuietFetch(() => worker, vi.fn());
		await expect(quiet('http://127.0.0.1:9/api/tags')).rejects.toBeInstanceOf(TypeError);
	});

	it('cancels in the worker when the caller aborts', async () => {
		const { worker, sent } = fakeWorker(() => null);
		const quiet = createQuietFetch(() => worker, vi.fn());
		const controller = new AbortController();
		const pending = quiet('http://127.0.0.1:9/api/tags', { signal: controller.signal });
		controller.abort();
		await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
		expect(sent.at(-1)).toMatchObject({ type: 'cancel', id: 1 });
	});

	it('leaves requests with a body, and hosts without workers, to the page', async () => {
		const page = vi.fn<typeof fetch>(async () => new Response('ok'));
		const { worker, sent } = fakeWorker(() => null);
		await createQuietFetch(() => worker, page)('http://x/api/chat', { method: 'POST', body: '{}' });
		await createQuietFetch(() => null, page)('http://x/api/tags');
		expect(page).toHaveBeenCalledTimes(2);
		expect(sent).toEqual([]);
	});
});
