/// <reference lib="webworker" />
import type { QuietFromWorker, QuietToWorker } from '$lib/protocol/quiet-fetch';

// Thin: one fetch per request, cancellable by id. A refused connection made here is not logged in
// the page's console (Chromium logs it for the context that made the request).

const running = new Map<number, AbortController>();
const post = (message: QuietFromWorker) => self.postMessage(message);

self.onmessage = async (event: MessageEvent<QuietToWorker>) => {
	const message = event.data;
	if (message.type === 'cancel') {
		running.get(message.id)?.abort();
		return;
	}
	const controller = new AbortController();
	running.set(message.id, controller);
	try {
		const response = await fetch(message.url, {
			headers: message.headers,
			signal: controller.signal
		});
		post({
			type: 'response',
			id: message.id,
			status: response.status,
			statusText: response.statusText,
			headers: [...response.headers],
			body: await response.text()
		});
	} catch (e) {
		post({ type: 'failed', id: message.id, message: e instanceof Error ? e.message : String(e) });
	} finally {
		running.delete(message.id);
	}
};
