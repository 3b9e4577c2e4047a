import { describe, expect, it } from 'vitest';
import { memoryFolder } from '$lib/files/memory-fs';
import { freshDb } from '$lib/storage/test-db';
import type { HearthDb } from '$lib/storage/db';
import { KnowledgeRepository } from '$lib/knowledge/store/knowledge-repo';
import { IngestQueue } from './ingest-queue';
import type { IngestQueueOptions } from './ingest-queue';
import { embedMissing } from './reembed';
import { bagOfWords, paragraphChunks } from './test-helpers';
import type { ActiveEmbedder, ChunkSource, JobProgress } from './types';

function setup(options: Partial<IngestQueueOptions> = {}) {
	const db = freshDb();
	const repo = new KnowledgeRepository(db);
	const bow = bagOfWords();
	const parsed: string[] = [];
	const chunks: ChunkSource = (file, opts) => {
		parsed.push(file.name);
		return paragraphChunks(file, opts);
	};
	const queue = new IngestQueue({ repo, chunks, embedder: () => bow, ...options });
	const events: JobProgress[] = [];
	queue.subscribe((p) => events.push(p));
	return { db, repo, bow, queue, events, parsed };
}

const file = (name: string, text: string) => new File([text], name, { type: 'text/plain' });

async function counts(db: HearthDb) {
	return {
		documents: await db.documents.count(),
		chunks: await db.chunks.count(),
		vectors: await db.vectors.count()
	};
}

describe('IngestQueue', () => {
	it('indexes files in batches with progress and an ETA from the recent rate', async () => {
		let clock = 0;
		const bow = bagOfWords();
		// Each file is one embedding call that "takes" one second.
		const slow: ActiveEmbedder = {
			model: bow.model,
			embed: async (texts, kind, signal) => {
				clock += 1000;
				return bow.embed(texts, kind, signal);
			}
		};
		const { queue, events, db } = setup({ embedder: () => slow, now: () => clock });
		const files = ['a', 'b', 'c'].map((n) => file(`${n}.txt`, `${n} one\n\n${n} two`));
		const job = queue.enqueue('col', { kind: 'files', files });
		const final = await job.done;

		expect(final).toMatchObject({
			state: 'done',
			filesTotal: 3,
			filesDone: 3,
			filesIndexed: 3,
			chunks: 6,
			embedded: 6,
			bytesTotal: 36,
			bytesDone: 36,
			errors: []
		});
		const afterFirst = events.find((e) => e.filesDone === 1);
		expect(afterFirst?.bytesDone).toBe(12);
		// 12 bytes per second, 24 bytes left.
		expect(afterFirst?.etaSeconds).toBeCloseTo(2);
		expect(events.find((e) => e.filesDone === 2)?.etaSeconds).toBeCloseTo(1);
		expect(events[0]?.state).toBe('queued');
		expect(await counts(db)).toEqual({ documents: 3, chunks: 6, vectors: 6 });
		const doc = (await db.documents.toArray()).find((d) => d.name === 'b.txt');
		expect(doc).toMatchObject({
			path: 'b.txt',
			source: 'file',
			size: 12,
			chunkCount: 2,
			status: 'indexed'
		});
		expect(queue.jobs).toEqual([]);
	});

	it('runs one job at a time, in order', async () => {
		const { queue, events } = setup();
		const first = queue.enqueue('col', { kind: 'files', files: [file('1.txt', 'one')] });
		const second = queue.enqueue('col', { kind: 'files', files: [file('2.txt', 'two')] });
		expect(queue.jobs.map((j) => j.state)).toEqual(['queued', 'queued']);
		await Promise.all([first.done, second.done]);
		const running = events.filter((e) => e.state === 'running').map((e) => e.jobId);
		const finished = events.filter((e) => e.state === 'done').map((e) => e.jobId);
		expect(finished).toEqual([first.id, second.id]);
		// The second job only starts running after the first has finished.
		expect(events.findIndex((e) => e.jobId === second.id && e.state === 'running')).toBeGreaterThan(
			events.findIndex((e) => e.jobId === first.id && e.state === 'done')
		);
		expect(running.length).toBeGreaterThan(0);
	});

	it('cancels mid-file without leaving any of that file behind', async () => {
		const bow = bagOfWords();
		let cancel = () => {};
		const embedder: ActiveEmbedder = {
			model: bow.model,
			embed: async (texts, kind, signal) => {
				if (texts.includes('second part')) cancel();
				return bow.embed(texts, kind, signal);
			}
		};
		const { queue, db, repo } = setup({ embedder: () => embedder, batchSize: 1 });
		const job = queue.enqueue('col', {
			kind: 'files',
			files: [
				file('done.txt', 'kept one\n\nkept two'),
				file('half.txt', 'first part\n\nsecond part\n\nthird part'),
				file('never.txt', 'never read')
			]
		});
		cancel = job.cancel;
		const final = await job.done;
		expect(final.state).toBe('cancelled');
		expect(final.filesIndexed).toBe(1);
		expect(final.chunks).toBe(2);
		const docs = await repo.listDocuments();
		expect(docs.map((d) => d.name)).toEqual(['done.txt']);
		// half.txt's first batch was written, then discarded with the cancel.
		expect(await counts(db)).toEqual({ documents: 1, chunks: 2, vectors: 2 });
	});

	it('a cancelled queued job never starts', async () => {
		const { queue, parsed } = setup();
		const first = queue.enqueue('col', { kind: 'files', files: [file('a.txt', 'a')] });
		const second = queue.enqueue('col', { kind: 'files', files: [file('b.txt', 'b')] });
		second.cancel();
		expect((await second.done).state).toBe('cancelled');
		expect((await first.done).state).toBe('done');
		expect(parsed).toEqual(['a.txt']);
	});

	it('lists a file it cannot read with the reason and indexes the rest', async () => {
		const { queue, repo, bow } = setup();
		const files = [
			file('good.txt', 'fine words'),
			file('blob.bin', 'MZ\u0000\u0001binary'),
			file('also.txt', 'more words')
		];
		const final = await queue.enqueue('col', { kind: 'files', files }).done;
		expect(final.state).toBe('done');
		expect(final.filesIndexed).toBe(2);
		expect(final.errors).toEqual([
			{
				path: 'blob.bin',
				error: { code: 'content_unreadable', message: '"blob.bin" looks like a binary file.' }
			}
		]);
		const stored = await repo.findDocumentByPath('col', 'blob.bin');
		expect(stored).toMatchObject({
			status: 'error',
			chunkCount: 0,
			error: { code: 'content_unreadable' }
		});

		// Unchanged: not parsed again, the reason still listed.
		const embedded = bow.texts.length;
		const again = await queue.enqueue('col', { kind: 'files', files }).done;
		expect(again).toMatchObject({ filesSkipped: 3, filesIndexed: 0 });
		expect(again.errors.map((e) => e.path)).toEqual(['blob.bin']);
		expect(bow.texts.length).toBe(embedded);
	});

	it('an embedding failure is that file’s error; a full disk stops the job', async () => {
		const bow = bagOfWords();
		const flaky: ActiveEmbedder = {
			model: bow.model,
			embed: async (texts, kind, signal) => {
				if (texts.some((t) => t.includes('poison'))) {
					throw Object.assign(new Error('worker died'), { name: 'Error' });
				}
				if (texts.some((t) => t.includes('full'))) {
					throw Object.assign(new Error('no room'), { name: 'QuotaExceededError' });
				}
				return bow.embed(texts, kind, signal);
			}
		};
		const { queue, repo } = setup({ embedder: () => flaky });
		const first = await queue.enqueue('col', {
			kind: 'files',
			files: [file('p.txt', 'poison'), file('ok.txt', 'fine')]
		}).done;
		expect(first.state).toBe('done');
		expect(first.errors).toEqual([
			{ path: 'p.txt', error: { code: 'unknown', message: 'worker died' } }
		]);
		// Not remembered as a broken file: the next run tries it again.
		expect(await repo.findDocumentByPath('col', 'p.txt')).toBeUndefined();

		const second = await queue.enqueue('col', {
			kind: 'files',
			files: [file('f.txt', 'disk full'), file('later.txt', 'later')]
		}).done;
		expect(second.state).toBe('failed');
		expect(second.error?.code).toBe('quota_exceeded');
		expect(second.filesDone).toBe(0);
	});

	it('dedupes: the same file twice is one document, the same passage is embedded once', async () => {
		const { queue, repo, bow, db } = setup();
		const a = file('notes.txt', 'shared paragraph here\n\nonly in notes');
		await queue.enqueue('col', { kind: 'files', files: [a] }).done;
		const again = await queue.enqueue('col', {
			kind: 'files',
			files: [file('notes.txt', await a.text())]
		}).done;
		expect(again).toMatchObject({ filesSkipped: 1, filesIndexed: 0, embedded: 0 });
		expect(await repo.listDocuments()).toHaveLength(1);
		expect(bow.texts).toEqual(['shared paragraph here', 'only in notes']);

		const other = await queue.enqueue('col', {
			kind: 'files',
			files: [file('other.txt', 'shared paragraph here\n\nonly in other\n\nonly in other')]
		}).done;
		expect(other).toMatchObject({ chunks: 3, embedded: 1 });
		expect(bow.texts).toEqual(['shared paragraph here', 'only in notes', 'only in other']);
		// Every chunk still has its own vector row, with the same bytes as the original.
		expect(await db.vectors.count()).toBe(5);
		const otherDoc = await repo.findDocumentByPath('col', 'other.txt');
		const [original, copy] = await repo.getVectors(bow.model, [
			(await repo.chunksOf((await repo.findDocumentByPath('col', 'notes.txt'))!.id))[0]!.id,
			`${otherDoc!.id}:0`
		]);
		expect(new Uint8Array(copy!.data)).toEqual(new Uint8Array(original!.data));
	});

	it('re-indexes a changed file in place and the same paste once', async () => {
		const { queue, repo } = setup();
		await queue.enqueue('col', { kind: 'files', files: [file('n.txt', 'old text')] }).done;
		const before = await repo.findDocumentByPath('col', 'n.txt');
		const changed = await queue.enqueue('col', {
			kind: 'files',
			files: [file('n.txt', 'new text')]
		}).done;
		expect(changed.filesIndexed).toBe(1);
		const after = await repo.findDocumentByPath('col', 'n.txt');
		expect(after?.id).not.toBe(before?.id);
		expect(after?.addedAt).toBe(before?.addedAt);
		expect((await repo.chunksOf(after!.id)).map((c) => c.text)).toEqual(['new text']);
		expect(await repo.listDocuments()).toHaveLength(1);

		await queue.enqueue('col', { kind: 'text', name: 'Pasted', text: 'hello paste' }).done;
		const dup = await queue.enqueue('col', { kind: 'text', name: 'Pasted', text: 'hello paste' })
			.done;
		expect(dup.filesSkipped).toBe(1);
		await queue.enqueue('col', {
			kind: 'url',
			url: 'https://example.org/a',
			title: 'Example',
			text: 'page text'
		}).done;
		const docs = await repo.listDocuments('col');
		expect(docs.map((d) => [d.source, d.name])).toEqual([
			['url', 'Example'],
			['file', 'n.txt'],
			['paste', 'Pasted']
		]);
	});

	it('re-indexes only changed folder files and removes the ones that vanished', async () => {
		let now = 1000;
		const clock = () => now;
		const { queue, repo, bow, parsed } = setup();
		const v1 = await memoryFolder(
			'proj',
			{
				'a.md': 'alpha stays',
				'b.md': 'beta before',
				'same.md': 'same content',
				sub: { 'c.md': 'gamma goes' },
				node_modules: { 'x.md': 'skipped dependency' }
			},
			clock
		);
		const first = await queue.enqueue('col', { kind: 'folder', root: v1 }).done;
		expect(first).toMatchObject({ state: 'done', filesTotal: 4, filesIndexed: 4, label: 'proj/' });
		expect((await repo.listDocuments('col')).map((d) => d.path)).toEqual([
			'proj/a.md',
			'proj/b.md',
			'proj/same.md',
			'proj/sub/c.md'
		]);

		// The same folder later: b changed, same.md rewritten with identical bytes, c deleted, d new.
		const v2 = await memoryFolder(
			'proj',
			{ 'a.md': 'alpha stays', 'same.md': 'same content' },
			clock
		);
		now = 2000;
		const more = await memoryFolder('proj', { 'b.md': 'beta after!', 'd.md': 'delta new' }, clock);
		for await (const [name, handle] of more.entries()) {
			if (handle.kind === 'file') {
				const w = await (await v2.getFileHandle(name, { create: true })).createWritable();
				await w.write(await (await handle.getFile()).arrayBuffer());
				await w.close();
			}
		}
		(await v2.getFileHandle('same.md')).touch(3000);
		parsed.length = 0;
		const embeddedBefore = bow.texts.length;

		const second = await queue.enqueue('col', { kind: 'folder', root: v2 }).done;
		expect(second).toMatchObject({
			state: 'done',
			filesTotal: 4,
			filesSkipped: 2,
			filesIndexed: 2,
			filesRemoved: 1
		});
		expect(parsed.sort()).toEqual(['b.md', 'd.md']);
		expect(bow.texts.slice(embeddedBefore).sort()).toEqual(['beta after!', 'delta new']);
		const docs = await repo.listDocuments('col');
		expect(docs.map((d) => d.path)).toEqual([
			'proj/a.md',
			'proj/b.md',
			'proj/d.md',
			'proj/same.md'
		]);
		// same.md was hashed, found unchanged, and its new time remembered so next time it is not read.
		expect(docs.find((d) => d.path === 'proj/same.md')?.modifiedAt).toBe(3000);

		const third = await queue.enqueue('col', { kind: 'folder', root: v2 }).done;
		expect(third).toMatchObject({ filesSkipped: 4, filesIndexed: 0, filesRemoved: 0 });
	});

	it('stores chunks without vectors when no model is ready; embedMissing fills them in later', async () => {
		const { queue, db, repo } = setup({ embedder: () => undefined });
		await queue.enqueue('col', {
			kind: 'files',
			files: [file('a.txt', 'twice\n\nonce'), file('b.txt', 'twice')]
		}).done;
		expect(await counts(db)).toEqual({ documents: 2, chunks: 3, vectors: 0 });
		const bow = bagOfWords();
		const progress: number[] = [];
		const done = await embedMissing(repo, bow, { onProgress: (p) => progress.push(p.done) });
		expect(done).toBe(3);
		expect(bow.texts.sort()).toEqual(['once', 'twice']);
		expect(await db.vectors.count()).toBe(3);
		expect(progress.at(-1)).toBe(3);
		expect(await embedMissing(repo, bow)).toBe(0);
	});
});
