// `hearth index` and answers that cite it, run as real processes (node bin/hearth.js) against
// the Ollama fixture, with the real test embedder from ../shared/models.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sharedMissing } from '../../tests/fixtures/ci.js';
import { startOllamaFixture } from '../../tests/fixtures/ollama-fixture.js';
import { runHearth, type HearthRun } from './test-fixtures/hearth-process';

const ROOT = process.cwd();
const MODELS = path.resolve(ROOT, '../shared/models');
const EMBEDDER = path.join(MODELS, 'hearth-test/bow-embedder/onnx/model_quantized.onnx');
const HAVE_EMBEDDER = existsSync(EMBEDDER);

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let home = '';
let ollama: Awaited<ReturnType<typeof startOllamaFixture>>;

function hearth(args: string[]): Promise<HearthRun> {
	return runHearth(args, {
		cwd: home,
		env: { HOME: home, HEARTH_HOME: path.join(home, 'data'), OLLAMA_HOST: ollama.url }
	});
}

beforeAll(async () => {
	home = await mkdtemp(path.join(tmpdir(), 'hearth-index-cli-'));
	ollama = await startOllamaFixture({ chunkDelayMs: 0 });
	await mkdir(path.join(home, 'data'), { recursive: true });
	await writeFile(
		path.join(home, 'data', 'config.yaml'),
		`knowledge:\n  embedding_model: hearth-test/bow-embedder\n  models_dir: ${MODELS}\n`
	);
	await mkdir(path.join(home, 'notes'), { recursive: true });
	await writeFile(
		path.join(home, 'notes', 'garden.md'),
		'# Garden\n\nThe tomatoes need water every morning.\n\n## Pests\n\nAphids are on the roses; spray soapy water.\n'
	);
	await writeFile(path.join(home, 'notes', 'photo.bin'), Buffer.from([1, 2, 0, 0, 3]));
});

afterAll(async () => {
	await ollama?.close();
	await rm(home, { recursive: true, force: true });
});

describe('hearth index, then answers that cite it', () => {
	it('indexes a folder, lists the unreadable file, and says what it did', async (ctx) => {
		if (!HAVE_EMBEDDER) ctx.skip(sharedMissing(EMBEDDER));
		const run = await hearth(['index', 'notes']);
		expect(run.code, run.stderr).toBe(0);
		expect(run.stdout).toContain(
			`${path.join(home, 'notes')}: 2 files (1 indexed, 0 unchanged, 0 removed, 1 not readable)`
		);
		expect(run.stderr).toMatch(/skipped notes\/photo\.bin: .*binary/);
		// Piped, progress is a line per file (no bar redrawn into a log).
		expect(run.stderr).toMatch(/\[2\/2\] /);

		const again = await hearth(['index', 'notes']);
		expect(again.stdout).toContain('(0 indexed, 2 unchanged, 0 removed, 1 not readable)');
		const list = await hearth(['index']);
		expect(list.stdout).toContain(`${path.join(home, 'notes')}  1 documents`);
	});

	it('answers with the passage and prints its source as [1] path:line', async (ctx) => {
		if (!HAVE_EMBEDDER) ctx.skip(sharedMissing(EMBEDDER));
		const run = await hearth([
			'ask',
			'[[tool:search_knowledge {"query":"aphids roses"}]] where are the aphids in my notes?'
		]);
		expect(run.code, run.stderr).toBe(0);
		expect(run.stderr).toContain('search_knowledge: 1 passage from 1 document');
		// The passage reached the model (the fixture quotes the tool result back)…
		expect(run.stdout).toContain('[1] notes/garden.md:1');
		// …and the answer ends with its sources.
		expect(run.stdout).toMatch(/Sources:\n\[1\] notes\/garden\.md:1\n$/);

		const json = await hearth([
			'ask',
			'--json',
			'[[tool:search_knowledge {"query":"tomatoes water"}]] when do the tomatoes get water?'
		]);
		expect(JSON.parse(json.stdout).sources).toEqual([['[1] notes/garden.md:1']]);
	});

	it('imports a browser backup’s documents: searchable, embedded, and exported back intact', async (ctx) => {
		if (!HAVE_EMBEDDER) ctx.skip(sharedMissing(EMBEDDER));
		const knowledge = {
			memories: [],
			collections: [{ id: 'col1', name: 'Work', createdAt: 1 }],
			documents: [
				{
					id: 'd1',
					collectionId: 'col1',
					name: 'budget.md',
					path: 'budget.md',
					source: 'file',
					mime: 'text/markdown',
					size: 31,
					hash: 'h',
					addedAt: 1,
					updatedAt: 1,
					status: 'indexed',
					chunkCount: 1
				}
			],
			chunks: [
				{
					id: 'k1',
					documentId: 'd1',
					collectionId: 'col1',
					ordinal: 0,
					text: 'The Q3 budget is 40,000 euros.',
					hash: 'hk',
					startLine: 1,
					endLine: 1
				}
			]
		};
		const backup = {
			format: 'hearth-export',
			version: 1,
			exportedAt: 1,
			conversations: [],
			messages: [],
			knowledge
		};
		await writeFile(path.join(home, 'browser.json'), JSON.stringify(backup));
		const imported = await hearth(['import', 'browser.json']);
		expect(imported.code, imported.stderr).toBe(0);
		expect(imported.stderr).toContain('Embedded 1 imported passages for search by meaning.');
		const found = await hearth(['index', '--search', 'Q3 budget']);
		expect(found.stdout).toContain('The Q3 budget is 40,000 euros.');
		const list = await hearth(['index']);
		expect(list.stdout).toContain('Work  1 documents');

		const exported = await hearth(['export', '-']);
		const back = JSON.parse(exported.stdout) as { knowledge: typeof knowledge };
		expect(back.knowledge.collections).toContainEqual(knowledge.collections[0]);
		expect(back.knowledge.documents).toContainEqual(knowledge.documents[0]);
		expect(back.knowledge.chunks).toContainEqual(knowledge.chunks[0]);
	});

	it('refuses a folder that does not exist, with exit code 2', async () => {
		const run = await hearth(['index', 'nowhere']);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain(`There is no folder at ${path.join(home, 'nowhere')}.`);
	});
});
