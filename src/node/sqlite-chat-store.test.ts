import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { build } from 'vite';
import { describeChatStoreContract } from '$lib/storage/chat-store-contract';
import { HearthError } from '$lib/types/errors';
import { SqliteChatStore } from './sqlite-chat-store';

async function scratch(): Promise<string> {
	return mkdtemp(path.join(tmpdir(), 'hearth-store-'));
}

describeChatStoreContract('SqliteChatStore (libsql on disk)', async () => {
	const dir = await scratch();
	const store = await SqliteChatStore.open(path.join(dir, 'hearth.db'));
	return {
		store,
		close: async () => {
			store.close();
			await rm(dir, { recursive: true, force: true });
		}
	};
});

describe('SqliteChatStore on disk', () => {
	let dir: string;
	beforeEach(async () => {
		dir = await scratch();
	});
	afterEach(async () => {
		await rm(dir, { recursive: true, force: true });
	});

	it('creates its folder 0700 and its files 0600, and keeps everything across a reopen', async () => {
		const file = path.join(dir, 'data', 'hearth', 'hearth.db');
		const first = await SqliteChatStore.open(file);
		const c = await first.createConversation({ title: 'Kept' });
		await first.addMessage({
			conversationId: c.id,
			parentId: null,
			role: 'user',
			content: 'hello disk',
			status: 'done'
		});
		expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
		for (const f of [file, `${file}-wal`]) expect((await stat(f)).mode & 0o777).toBe(0o600);
		first.close();
		const again = await SqliteChatStore.open(file);
		expect((await again.messagesOf(c.id)).map((m) => m.content)).toEqual(['hello disk']);
		expect((await again.search('disk')).map((h) => h.conversation.id)).toEqual([c.id]);
		again.close();
	});

	it('refuses a file that is not a database with storage_unavailable, and leaves it alone', async () => {
		const file = path.join(dir, 'hearth.db');
		const junk = 'this is my shopping list, not a database\n'.repeat(200);
		await writeFile(file, junk);
		const error = await SqliteChatStore.open(file).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(HearthError);
		expect((error as HearthError).code).toBe('storage_unavailable');
		expect((await stat(file)).size).toBe(junk.length);
	});

	it('restores the attachments and images a delete removed', async () => {
		const store = await SqliteChatStore.open(path.join(dir, 'hearth.db'));
		const c = await store.createConversation({ title: 'with files' });
		const deleted = await store.deleteConversation(c.id);
		await store.restoreConversation({
			...deleted!,
			attachments: [
				{
					id: 'a1',
					conversationId: c.id,
					name: 'notes.txt',
					type: 'text/plain',
					size: 5,
					data: new Blob(['hello']),
					addedAt: 1
				}
			],
			images: [
				{
					id: 'i1',
					conversationId: c.id,
					messageId: null,
					name: 'p.png',
					mime: 'image/png',
					width: 1,
					height: 1,
					data: new Blob([new Uint8Array([137, 80, 78, 71])]),
					thumbnail: new Blob([new Uint8Array([255, 216])]),
					addedAt: 2
				}
			]
		});
		const again = await store.deleteConversation(c.id);
		expect(again?.attachments.map((a) => a.name)).toEqual(['notes.txt']);
		expect(await again?.attachments[0]?.data.text()).toBe('hello');
		expect([...new Uint8Array(await again!.images[0]!.data.arrayBuffer())]).toEqual([
			137, 80, 78, 71
		]);
		store.close();
	});

	it('loses nothing it acknowledged when the writing process is killed with SIGKILL', async () => {
		// The writer is real code in a real process: bundle it, run it, kill it mid-stream.
		const outDir = path.resolve('node_modules/.cache/hearth-crash-writer');
		await build({
			configFile: false,
			logLevel: 'silent',
			resolve: { alias: { $lib: path.resolve('src/lib'), $workers: path.resolve('workers') } },
			build: {
				ssr: path.resolve('src/node/test-fixtures/crash-writer.ts'),
				outDir,
				emptyOutDir: true,
				minify: false,
				rollupOptions: { output: { format: 'es', entryFileNames: 'crash-writer.mjs' } }
			}
		});
		const file = path.join(dir, 'hearth.db');
		const child = spawn(process.execPath, [path.join(outDir, 'crash-writer.mjs'), file], {
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const messages = new Set<string>();
		const texts = new Map<string, number>();
		const finished = new Set<string>();
		let conversationId = '';
		let acks = 0;
		const exited = new Promise<NodeJS.Signals | null>((resolve) =>
			child.on('exit', (_code, signal) => resolve(signal))
		);
		for await (const line of createInterface({ input: child.stdout })) {
			const [kind, what, id, length] = line.split(' ');
			if (kind === 'conversation') conversationId = what!;
			if (kind === 'ack' && what === 'message') messages.add(id!);
			if (kind === 'ack' && what === 'text') texts.set(id!, Number(length));
			if (kind === 'ack' && what === 'done') finished.add(id!);
			// Mid-stream: well into an answer, not at a turn boundary.
			if (kind === 'ack' && ++acks >= 500 && what === 'text' && Number(length) > 40) {
				child.kill('SIGKILL');
				break;
			}
		}
		expect(await exited, stderr).toBe('SIGKILL');
		const store = await SqliteChatStore.open(file);
		const stored = new Map((await store.messagesOf(conversationId)).map((m) => [m.id, m]));
		for (const id of messages) expect(stored.has(id), `message ${id}`).toBe(true);
		for (const [id, length] of texts) {
			expect(stored.get(id)!.content.length, `text of ${id}`).toBeGreaterThanOrEqual(length);
		}
		for (const id of finished) expect(stored.get(id)?.status).toBe('done');
		// The answer cut off by the kill is found and marked, its text kept.
		const cut = [...stored.values()].filter((m) => m.status === 'streaming');
		expect(cut).toHaveLength(1);
		expect(await store.markInterrupted()).toBe(1);
		const leaf = (await store.getConversation(conversationId))?.leafId;
		expect(leaf && stored.has(leaf)).toBe(true);
		store.close();
	}, 120_000);
});
