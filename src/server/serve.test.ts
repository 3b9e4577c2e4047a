import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { HearthError } from '$lib/types/errors';
import { startOpenAiFixture } from '../../tests/fixtures/openai-fixture.js';
import { startServe } from './serve';

// `hearth serve` as a real process: the token made on first run (0600), the bind check before
// anything starts, and a SIGKILL in the middle of an answer that loses nothing acknowledged.

vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

const OUT_DIR = path.resolve('node_modules/.cache/hearth-serve-process');
let home: string;
let fixture: Awaited<ReturnType<typeof startOpenAiFixture>>;

beforeAll(async () => {
	home = await mkdtemp(path.join(tmpdir(), 'hearth-serve-'));
	fixture = await startOpenAiFixture();
	await build({
		configFile: false,
		logLevel: 'silent',
		resolve: { alias: { $lib: path.resolve('src/lib'), $workers: path.resolve('workers') } },
		build: {
			ssr: path.resolve('src/server/test-fixtures/serve-process.ts'),
			outDir: OUT_DIR,
			emptyOutDir: true,
			minify: false,
			rollupOptions: { output: { format: 'es', entryFileNames: 'serve-process.mjs' } }
		}
	});
});

afterAll(async () => {
	await fixture?.close();
	if (home) await rm(home, { recursive: true, force: true });
});

/** Starts the server process; resolves with its URL once it listens. */
async function serve(args: string[] = []): Promise<{ child: ChildProcess; url: string }> {
	const child = spawn(
		process.execPath,
		[path.join(OUT_DIR, 'serve-process.mjs'), '--port', '0', '--api-only', '--quiet', ...args],
		{
			env: { ...process.env, HEARTH_HOME: home, HEARTH_TEST_OPENAI: fixture.url },
			stdio: ['ignore', 'pipe', 'pipe']
		}
	);
	let stderr = '';
	child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	for await (const line of createInterface({ input: child.stdout! })) {
		const url = /serving at (http:\/\/\S+) /.exec(line)?.[1];
		if (url) return { child, url };
	}
	throw new Error(`the server did not start: ${stderr}`);
}

function exited(child: ChildProcess): Promise<NodeJS.Signals | null> {
	return new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
}

describe('hearth serve', () => {
	it('refuses a non-loopback address without --allow-remote, before composing anything', async () => {
		let composed = false;
		const env = { HEARTH_HOME: path.join(home, 'refused') };
		const refused = await startServe(['--host', '0.0.0.0'], {
			env,
			handleSignals: false,
			compose: async () => {
				composed = true;
				throw new Error('unused');
			}
		}).catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(HearthError);
		expect((refused as HearthError).code).toBe('permission_denied');
		expect(composed).toBe(false);
		await expect(stat(path.join(home, 'refused', 'api-token'))).rejects.toThrow();
	});

	it('makes a token on first run (0600) and keeps it; a SIGKILL mid-answer loses nothing acknowledged', async () => {
		const first = await serve();
		const tokenFile = path.join(home, 'api-token');
		const token = (await readFile(tokenFile, 'utf8')).trim();
		expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
		expect(token).toMatch(/^hearth_[A-Za-z0-9_-]{40,}$/);

		const ws = new WebSocket(`${first.url.replace('http', 'ws')}/ws`, {
			headers: { Authorization: `Bearer ${token}` }
		});
		await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
		let ack: { conversation: string; message: string; answer: string } | undefined;
		let received = '';
		let deltas = 0;
		const killed = exited(first.child);
		await new Promise<void>((resolve) => {
			ws.on('message', (data) => {
				const event = JSON.parse(String(data));
				if (event.type === 'ack') ack = event;
				if (event.type === 'delta') {
					received += event.text;
					// Well into the answer (the fixture's [[slow]] reply is 300 words): kill it.
					if (++deltas === 25) {
						first.child.kill('SIGKILL');
						resolve();
					}
				}
			});
			ws.on('error', () => undefined);
			ws.send(JSON.stringify({ type: 'chat', id: 'a', message: 'Tell me everything [[slow]]' }));
		});
		expect(await killed).toBe('SIGKILL');
		ws.terminate();
		expect(ack).toBeDefined();

		// The same token, the same store: the acknowledged messages are there, the cut answer
		// marked interrupted with the text saved before the kill.
		const second = await serve();
		try {
			expect((await readFile(tokenFile, 'utf8')).trim()).toBe(token);
			const res = await fetch(`${second.url}/chat/${ack!.conversation}`, {
				headers: { Authorization: `Bearer ${token}` }
			});
			expect(res.status).toBe(200);
			const { messages } = (await res.json()) as {
				messages: { id: string; role: string; content: string; status: string }[];
			};
			expect(messages.map((m) => m.id)).toEqual([ack!.message, ack!.answer]);
			expect(messages[0]).toMatchObject({ role: 'user', content: 'Tell me everything [[slow]]' });
			const answer = messages[1]!;
			expect(answer.status).toBe('interrupted');
			expect(answer.content.length).toBeGreaterThan(0);
			expect(received.startsWith(answer.content)).toBe(true);

			// And it goes on from there.
			const next = await fetch(`${second.url}/chat`, {
				method: 'POST',
				headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
				body: JSON.stringify({ message: 'Still there?', conversation: ack!.conversation })
			});
			expect(((await next.json()) as { response: string }).response).toBe('Still there?');
		} finally {
			second.child.kill('SIGTERM');
			await exited(second.child);
		}
	});
});
