// `hearth index` below the command line: real files on disk, the real parsers (pdfjs, jsdom),
// the web app's ingest queue and search over the SQLite store, and the real transformers.js
// running the generated bow-embedder from ../shared/models (one ONNX thread).
import { chmod, mkdir, mkdtemp, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makePdf } from '$lib/knowledge/ingest/fixtures/make-files';
import type { JobProgress } from '$lib/knowledge/pipeline/types';
import { HearthError } from '$lib/types/errors';
import { requireSharedModels, SHARED_MODELS, TEST_MODEL } from '$workers/embed-test-kit';
import { NodeEmbedder } from './node-embedder';
import { NodeKnowledge } from './node-knowledge';
import { SqliteChatStore } from './sqlite-chat-store';
import { SqliteKnowledgeRepository } from './sqlite-knowledge';

// Loading ONNX Runtime and pdfjs takes seconds on a loaded machine.
vi.setConfig({ testTimeout: 60_000 });

let dir: string;
let store: SqliteChatStore;
const opened: NodeKnowledge[] = [];

function knowledge(
	options: { model?: string; modelsDir?: string; limits?: { documentBytes?: number } } = {}
): NodeKnowledge {
	const k = new NodeKnowledge({
		repo: new SqliteKnowledgeRepository(store.db),
		embedder: new NodeEmbedder({
			modelsDir: options.modelsDir ?? SHARED_MODELS,
			modelId: options.model ?? TEST_MODEL,
			threads: 1
		}),
		cwd: dir,
		limits: options.limits
	});
	opened.push(k);
	return k;
}

async function put(file: string, content: string | Uint8Array): Promise<string> {
	const at = path.join(dir, file);
	await mkdir(path.dirname(at), { recursive: true });
	await writeFile(at, content);
	return at;
}

beforeEach(async () => {
	dir = await mkdtemp(path.join(tmpdir(), 'hearth-index-'));
	store = await SqliteChatStore.open(path.join(dir, 'data', 'hearth.db'));
	await put(
		'notes/garden.md',
		'# Garden\n\nThe tomatoes need water every morning.\n\n## Pests\n\nAphids are on the roses; spray soapy water.\n'
	);
	await put(
		'notes/code/budget.py',
		'def add(a, b):\n    return a + b\n\n\nclass Budget:\n    def quarterly_total(self):\n        return 42\n'
	);
	await put('notes/plants.csv', 'plant,water\nfern,weekly\ncactus,monthly\n');
	await put(
		'notes/page.html',
		'<html><head><title>Bees</title></head><body><article><h1>Bees</h1><p>Bumblebees pollinate the clover in the meadow behind the barn, every summer without fail.</p></article></body></html>'
	);
	await put('notes/report.pdf', makePdf([['Quarterly solar output was 812 kilowatt hours.']]));
});

afterEach(async () => {
	for (const k of opened.splice(0)) await k.dispose();
	store.close();
	await chmod(path.join(dir, 'notes'), 0o755).catch(() => undefined);
	await rm(dir, { recursive: true, force: true });
});

afterAll(async () => {
	for (const k of opened.splice(0)) await k.dispose();
});

describe('hearth index: a folder into the knowledge base', () => {
	it('indexes every format with the web parsers, embeds, and finds passages with path:line', async (ctx) => {
		requireSharedModels(ctx);
		const k = knowledge();
		const seen: JobProgress[] = [];
		const result = await k.indexFolder('notes', { onProgress: (p) => seen.push(p) });
		expect(result).toMatchObject({ state: 'done', filesTotal: 5, filesIndexed: 5, errors: [] });
		expect(result.folder).toBe(path.join(dir, 'notes'));
		expect(result.keywordOnly).toBeUndefined();
		expect(result.embedded).toBe(result.chunks);
		// Progress came per file, in bytes, and ended at the total.
		expect(seen.some((p) => p.current === 'notes/page.html')).toBe(true);
		expect(seen.at(-1)).toMatchObject({ filesDone: 5, bytesDone: seen.at(-1)?.bytesTotal });

		const aphids = await k.search('aphids on the roses');
		expect(aphids.mode).toBe('hybrid');
		expect(aphids.fallback).toBeUndefined();
		expect(aphids.passages[0]?.path).toBe('notes/garden.md');
		expect(await k.citation(aphids.passages[0]!)).toBe('notes/garden.md:1');

		const code = await k.search('quarterly_total Budget');
		const budget = code.passages.find((p) => p.path === 'notes/code/budget.py');
		expect(budget?.symbol).toContain('Budget');
		expect(await k.citation(budget!)).toMatch(/^notes\/code\/budget\.py:\d+$/);

		const solar = await k.search('solar kilowatt');
		expect(solar.passages[0]).toMatchObject({ path: 'notes/report.pdf', page: 1 });
		expect(await k.citation(solar.passages[0]!)).toBe('notes/report.pdf (page 1)');

		const bees = await k.search('bumblebees clover');
		expect(bees.passages[0]?.path).toBe('notes/page.html');
		const fern = await k.search('fern weekly');
		expect(fern.passages[0]?.text).toContain('plant,water');

		// Vectors are stored (raw bytes, the test model's 128 dimensions) beside the chunks.
		const keys = await k.repo.vectorKeys(TEST_MODEL);
		expect(keys.size).toBe(result.chunks);
	});

	it('lists binary, corrupt and oversized files with the reason, and indexes the rest', async (ctx) => {
		requireSharedModels(ctx);
		await put(
			'notes/photo.png',
			new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1])
		);
		await put('notes/data.bin', new Uint8Array([0x41, 0x42, 0, 0, 0x43, 7, 8, 9]));
		await put('notes/broken.pdf', '%PDF-1.4\nthis is not really a pdf');
		await put('notes/empty.txt', '');
		await put('notes/big.pdf', makePdf([[`${'Long '.repeat(400)}`]]));
		const k = knowledge({ limits: { documentBytes: 1500 } });
		const result = await k.indexFolder('notes');
		expect(result.state).toBe('done');
		const reasons = Object.fromEntries(result.errors.map((e) => [e.path, e.error]));
		expect(reasons['notes/photo.png']?.code).toBe('not_supported');
		expect(reasons['notes/photo.png']?.message).toMatch(/It is a PNG image/);
		expect(reasons['notes/data.bin']?.message).toMatch(/binary file/);
		expect(reasons['notes/broken.pdf']).toMatchObject({ code: 'content_unreadable' });
		expect(reasons['notes/broken.pdf']?.message).toMatch(/not a valid PDF/);
		expect(reasons['notes/empty.txt']?.message).toMatch(/empty/);
		expect(reasons['notes/big.pdf']?.code).toBe('content_too_large');
		// The readable ones went in anyway.
		expect(result.filesIndexed).toBe(5);
		expect((await k.search('aphids')).passages[0]?.path).toBe('notes/garden.md');
		// A file that failed and did not change is not parsed again, but still reported.
		const again = await k.indexFolder('notes');
		expect(again.filesIndexed).toBe(0);
		expect(again.errors.map((e) => e.path).sort()).toEqual(Object.keys(reasons).sort());
	});

	it('skips a file it may not read and goes on', async (ctx) => {
		requireSharedModels(ctx);
		if (process.getuid?.() === 0) {
			ctx.skip('running as root: file permissions do not stop root from reading');
		}
		const secret = await put('notes/secret.md', '# Secret\n\nNot for Hearth.\n');
		await chmod(secret, 0o000);
		const result = await knowledge().indexFolder('notes');
		expect(result.state).toBe('done');
		expect(result.errors.map((e) => e.path)).toEqual(['notes/secret.md']);
		expect(result.filesIndexed).toBe(5);
	});

	it('lists a file that vanished between the walk and its reading, and goes on', async (ctx) => {
		requireSharedModels(ctx);
		// The walk sorts by name: zz.md is read last, after it has been deleted.
		const late = await put('notes/zz.md', '# Late\n\nGone before it is read.\n');
		let removed = false;
		const result = await knowledge().indexFolder('notes', {
			onProgress: (p) => {
				if (!removed && p.filesTotal > 0) {
					removed = true;
					void unlink(late);
				}
			}
		});
		expect(result.state).toBe('done');
		expect(result.errors).toEqual([
			{ path: 'notes/zz.md', error: expect.objectContaining({ code: 'file_not_found' }) }
		]);
		expect(result.filesIndexed).toBe(5);
	});

	it('re-indexes only what changed and drops files that are gone', async (ctx) => {
		requireSharedModels(ctx);
		const k = knowledge();
		await k.indexFolder('notes');
		const again = await k.indexFolder('notes');
		expect(again).toMatchObject({ filesIndexed: 0, filesSkipped: 5, filesRemoved: 0, chunks: 0 });
		expect(again.embedded).toBe(0);

		const garden = path.join(dir, 'notes/garden.md');
		await writeFile(garden, '# Garden\n\nThe pumpkins grew enormous this autumn.\n');
		await utimes(garden, new Date(), new Date(Date.now() + 5000));
		await unlink(path.join(dir, 'notes/plants.csv'));
		const third = await k.indexFolder('notes');
		expect(third).toMatchObject({ filesIndexed: 1, filesSkipped: 3, filesRemoved: 1 });
		expect((await k.search('pumpkins enormous')).passages[0]?.path).toBe('notes/garden.md');
		const aphids = await k.search('aphids roses');
		expect(aphids.passages.map((p) => p.text).join(' ')).not.toContain('Aphids');
		// Its words are gone (a dense search ranks everything, so ask the keyword index).
		expect((await k.search('fern cactus monthly', { mode: 'lexical' })).passages).toEqual([]);
		// No chunk or vector of the old garden.md or of plants.csv is left behind.
		const folders = await k.folders();
		expect(folders).toEqual([
			expect.objectContaining({ name: path.join(dir, 'notes'), documents: 4 })
		]);
		const keys = await k.repo.vectorKeys(TEST_MODEL);
		expect(keys.size).toBe(folders[0]!.chunks);
	});

	it('a re-index that finds nothing new never loads the embedding model', async (ctx) => {
		requireSharedModels(ctx);
		await knowledge().indexFolder('notes');
		// The next run, as a new process: its embedder has loaded nothing yet.
		const k = knowledge();
		const embed = vi.spyOn(k.embedder, 'embed');
		const again = await k.indexFolder('notes');
		expect(again).toMatchObject({ filesIndexed: 0, filesSkipped: 5, caughtUp: 0 });
		expect(embed).not.toHaveBeenCalled();
		// A changed file loads it (tried once with one passage first), and is embedded.
		const garden = path.join(dir, 'notes/garden.md');
		await writeFile(garden, '# Garden\n\nThe pumpkins grew enormous this autumn.\n');
		await utimes(garden, new Date(), new Date(Date.now() + 5000));
		const changed = await k.indexFolder('notes');
		expect(changed).toMatchObject({ filesIndexed: 1, embedded: 1, keywordOnly: undefined });
		expect(embed.mock.calls.map(([texts]) => texts)).toEqual([
			['Hearth'],
			['# Garden\n\nThe pumpkins grew enormous this autumn.']
		]);
	});

	it('cancels cleanly: committed files stay, nothing half-written, the next run goes on', async (ctx) => {
		requireSharedModels(ctx);
		for (let i = 0; i < 12; i++) {
			await put(
				`notes/more/file${String(i).padStart(2, '0')}.md`,
				`# File ${i}\n\nword${i} `.repeat(40)
			);
		}
		const k = knowledge();
		const abort = new AbortController();
		const result = await k.indexFolder('notes', {
			signal: abort.signal,
			onProgress: (p) => {
				if (p.filesIndexed >= 3) abort.abort();
			}
		});
		expect(result.state).toBe('cancelled');
		expect(result.filesIndexed).toBeGreaterThanOrEqual(3);
		expect(result.filesIndexed).toBeLessThan(17);
		const kept = (await k.folders())[0]!;
		expect(kept.documents).toBe(result.filesIndexed);
		// Every stored chunk belongs to a committed document (no orphans of the file it stopped in).
		expect(await k.repo.removeOrphans()).toBe(0);
		const rest = await k.indexFolder('notes');
		expect(rest.state).toBe('done');
		expect(rest.filesSkipped).toBe(result.filesIndexed);
		expect(rest.filesIndexed).toBe(17 - result.filesIndexed);
	});

	it('says so for a folder that does not exist, or a file named as one', async () => {
		const k = knowledge({ modelsDir: path.join(dir, 'no-models') });
		await expect(k.indexFolder('missing')).rejects.toMatchObject({
			code: 'file_not_found',
			message: `There is no folder at ${path.join(dir, 'missing')}.`
		});
		await expect(k.indexFolder('notes/garden.md')).rejects.toBeInstanceOf(HearthError);
		await expect(k.indexFolder('notes/garden.md')).rejects.toMatchObject({ code: 'not_supported' });
	});

	it('without the embedding model: keyword search, saying why; the vectors come when it is there', async (ctx) => {
		requireSharedModels(ctx);
		const bare = knowledge({ modelsDir: path.join(dir, 'no-models') });
		const first = await bare.indexFolder('notes');
		expect(first.state).toBe('done');
		expect(first.embedded).toBe(0);
		expect(first.keywordOnly).toMatch(/hearth-test\/bow-embedder is not in .*no-models/);
		const found = await bare.search('aphids');
		expect(found.mode).toBe('lexical');
		expect(found.fallback).toMatch(/is not in .* so this was a keyword search/);
		expect(found.passages[0]?.path).toBe('notes/garden.md');

		// The model is in place now: the next index embeds what was kept without vectors.
		const full = knowledge();
		const second = await full.indexFolder('notes');
		expect(second.filesIndexed).toBe(0);
		expect(second.caughtUp).toBe(first.chunks);
		expect((await full.search('aphids roses')).mode).toBe('hybrid');
	});
});
