import { describe, expect, it } from 'vitest';
import { isPythonMessage } from '$lib/python/messages';
import { PythonConnection } from '$lib/python/connection';
import type { PythonWorkerLike } from '$lib/python/connection';

// The page's check of what the Python worker says. A worker whose code got hold of the
// protocol could try to make the page load a remote "figure", show an error that blames the
// user, or fetch something that is not a web address; each such message ends the worker.

const run = {
	stdout: 'hi\n',
	stderr: '',
	images: ['data:image/png;base64,iVBORw0KGgo='],
	durationMs: 3
};
const ok = (value: unknown, call = 'run') => ({ type: 'result', id: 1, call, ok: true, value });

describe('isPythonMessage', () => {
	it('accepts every message of the protocol', () => {
		expect(isPythonMessage({ type: 'ready' })).toBe(true);
		expect(
			isPythonMessage({ type: 'progress', id: 1, progress: { fraction: 0.5, text: 'x' } })
		).toBe(true);
		expect(isPythonMessage({ type: 'output', id: 1, stream: 'stderr', text: 'x' })).toBe(true);
		expect(
			isPythonMessage({
				type: 'fetch',
				id: 1,
				fetchId: 2,
				request: { url: 'https://example.org/a', method: 'POST', headers: [['a', 'b']] }
			})
		).toBe(true);
		expect(isPythonMessage(ok(run))).toBe(true);
		expect(
			isPythonMessage(ok({ version: '0.29', interruptible: false, startMs: 1 }, 'start'))
		).toBe(true);
		expect(
			isPythonMessage({
				type: 'result',
				id: 1,
				call: 'run',
				ok: false,
				error: { code: 'python_timeout', message: 'x' }
			})
		).toBe(true);
	});

	it('refuses a figure that is a remote address or another image type', () => {
		expect(isPythonMessage(ok({ ...run, images: ['https://attacker.example/p.png?d=1'] }))).toBe(
			false
		);
		expect(isPythonMessage(ok({ ...run, images: ['data:image/svg+xml;base64,PHN2Zz4='] }))).toBe(
			false
		);
	});

	it('refuses an error code Hearth does not have, and a result of the wrong shape', () => {
		const error = { code: 'tool_denied_by_you', message: 'You declined.' };
		expect(isPythonMessage({ type: 'result', id: 1, call: 'run', ok: false, error })).toBe(false);
		expect(isPythonMessage(ok({ stdout: 1 }))).toBe(false);
		expect(isPythonMessage(ok(run, 'eval'))).toBe(false);
	});

	it('refuses a fetch of anything but a web address, and unknown messages', () => {
		for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'blob:x', '/relative']) {
			const request = { url, method: 'GET', headers: [] };
			expect(isPythonMessage({ type: 'fetch', id: 1, fetchId: 1, request }), url).toBe(false);
		}
		expect(isPythonMessage({ type: 'navigate', url: 'https://x' })).toBe(false);
		expect(isPythonMessage({ type: 'progress', id: 1, progress: { fraction: 7, text: '' } })).toBe(
			false
		);
	});
});

/** A worker that says whatever the test wants. */
function scriptedWorker() {
	const listeners: ((event: Event & { data?: unknown }) => void)[] = [];
	const worker = {
		terminated: false,
		sent: [] as unknown[],
		postMessage(message: unknown) {
			worker.sent.push(message);
		},
		addEventListener(type: string, listener: (event: Event & { data?: unknown }) => void) {
			if (type === 'message') listeners.push(listener);
		},
		terminate() {
			worker.terminated = true;
		},
		say(data: unknown) {
			for (const l of listeners) l(Object.assign(new Event('message'), { data }));
		}
	};
	return worker;
}

describe('PythonConnection', () => {
	it('ends a worker that sends a message outside the protocol, failing the waiting call', async () => {
		const worker = scriptedWorker();
		const connection = new PythonConnection(worker as unknown as PythonWorkerLike, 1000);
		worker.say({ type: 'ready' });
		await connection.ready;
		const call = connection.request('run', { code: 'x', files: [], allowNetwork: false });
		worker.say(ok({ ...run, images: ['https://attacker.example/p.png'] }));
		await expect(call).rejects.toMatchObject({ code: 'python_crashed' });
		expect(worker.terminated).toBe(true);
		expect(connection.dead).toBe(true);
	});
});
