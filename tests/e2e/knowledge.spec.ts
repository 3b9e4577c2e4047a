import { expect, test, type Page } from '@playwright/test';
import { makeDocx, makePdf } from '../../src/lib/knowledge/ingest/fixtures/make-files';
import { answers, lastAnswerDone, openHearth, send } from './helpers';

// Knowledge and memory in the built app: files of every format through the real parsers, the
// real embeddings worker (the generated bow-embedder served under /models/ by the e2e server),
// search, citations that open the passage, and memories. The fixture model calls the tools its
// message names ([[tool:NAME {json}]]).

test.skip(
	!process.env.HEARTH_E2E_MODELS,
	'skipped: ../shared/models is missing (the test embedding model lives there)'
);

const memoryAgent = {
	id: 'chat',
	name: 'Chat',
	description: 'Casual conversation.',
	systemPrompt: 'You are Hearth.',
	examples: [],
	tools: ['search_knowledge', 'remember', 'forget', 'recall_conversations'],
	model: '',
	chainOfThought: false
};

async function openKnowledge(page: Page): Promise<void> {
	await openHearth(page, {
		embeddingModel: 'hearth-test/bow-embedder',
		agentRouting: false,
		customAgents: [memoryAgent]
	});
	await page.getByRole('button', { name: /^Knowledge/ }).click();
	await expect(page.getByTestId('knowledge-dialog')).toBeVisible();
	await expect(page.getByTestId('embed-model-status')).toHaveAttribute('data-state', 'ready', {
		timeout: 60_000
	});
}

const file = (name: string, mimeType: string, data: string | Uint8Array) => ({
	name,
	mimeType,
	buffer: Buffer.from(data)
});

const FILES = [
	file(
		'budget.md',
		'text/markdown',
		'# Budget\n\n## Q3\n\nThe Q3 budget for the lighthouse repairs is 40,000 euros.\n'
	),
	file(
		'repo.py',
		'text/x-python',
		'class Repo:\n    def connect(self):\n        return open_database_connection()\n\n\ndef unrelated():\n    return 1\n'
	),
	file('trees.csv', 'text/csv', 'tree,height\noak,20\nbirch,15\n'),
	file(
		'page.html',
		'text/html',
		'<html><head><title>Harbour</title></head><body><article><h1>Harbour notes</h1><p>The harbour master keeps the tide tables in the blue cabinet by the door.</p></article></body></html>'
	),
	file('settings.json', 'application/json', JSON.stringify({ lamp: { colour: 'amber' } })),
	file(
		'meeting.pdf',
		'application/pdf',
		makePdf([['Meeting notes: the ferry timetable changes in May.']])
	),
	file(
		'minutes.docx',
		'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
		makeDocx([{ text: 'Minutes', style: 'Heading1' }, { text: 'The keeper retires in June.' }])
	),
	file('photo.bin', 'application/octet-stream', new Uint8Array([0, 1, 2, 3, 0, 255, 0, 7, 0, 0])),
	file('broken.pdf', 'application/pdf', '%PDF-1.7\nthis is not really a pdf\n%%EOF')
];

test('every format is read, bad files are named with a reason, and the same file twice is kept once', async ({
	page
}) => {
	await openKnowledge(page);
	await page.getByTestId('knowledge-file-input').setInputFiles(FILES);
	const job = page.getByTestId('ingest-job').last();
	await expect(job).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
	const docs = page.getByTestId('knowledge-document');
	for (const name of [
		'budget.md',
		'repo.py',
		'trees.csv',
		'page.html',
		'settings.json',
		'meeting.pdf',
		'minutes.docx'
	]) {
		await expect(docs.filter({ hasText: name }).first()).toBeVisible();
	}
	const errors = page.getByTestId('ingest-errors');
	await expect(errors).toContainText('photo.bin');
	await expect(errors).toContainText('broken.pdf');
	const indexed = await docs.count();

	// The same file again: nothing new.
	await page.getByTestId('knowledge-file-input').setInputFiles([FILES[0]!]);
	await expect(page.getByTestId('ingest-job').last()).toHaveAttribute('data-state', 'done', {
		timeout: 30_000
	});
	await expect(docs).toHaveCount(indexed);

	// Search finds passages, by meaning and by words.
	await page.getByTestId('knowledge-search-input').fill('ferry timetable');
	await page.getByTestId('knowledge-search-input').press('Enter');
	await expect(page.getByTestId('knowledge-search-results')).toContainText('meeting.pdf');
	await expect(page.getByTestId('knowledge-search-mode')).toHaveAttribute('data-mode', 'hybrid');
});

test('a file picked with file access is re-indexed in a later visit from its kept handle', async ({
	page
}) => {
	// The picker is the browser's; stand in for it with real handles from the origin's private
	// file system, which IndexedDB keeps across a reload just as it keeps picked files' handles.
	await page.addInitScript(() => {
		(window as { showOpenFilePicker?: () => Promise<unknown[]> }).showOpenFilePicker = async () => {
			const root = await navigator.storage.getDirectory();
			return [await root.getFileHandle('lighthouse.md')];
		};
	});
	const write = (text: string) =>
		page.evaluate(async (body) => {
			const root = await navigator.storage.getDirectory();
			const handle = await root.getFileHandle('lighthouse.md', { create: true });
			const w = await handle.createWritable();
			await w.write(body);
			await w.close();
		}, text);
	await openKnowledge(page);
	await write('# Lighthouse\n\nThe keeper polishes the lens every Sunday.\n');
	await page.getByRole('button', { name: 'Add files…' }).click();
	await expect(page.getByTestId('ingest-job').last()).toHaveAttribute('data-state', 'done', {
		timeout: 60_000
	});
	await expect(
		page.getByTestId('knowledge-document').filter({ hasText: 'lighthouse.md' })
	).toBeVisible();

	await write('# Lighthouse\n\nThe fog horn sounds at dawn.\n');
	await page.reload();
	await page.getByRole('button', { name: /^Knowledge/ }).click();
	await page.getByRole('button', { name: 'Re-index lighthouse.md' }).click();
	await expect(page.getByTestId('ingest-job').last()).toHaveAttribute('data-state', 'done', {
		timeout: 60_000
	});
	await page.getByTestId('knowledge-search-input').fill('fog horn');
	await page.getByTestId('knowledge-search-input').press('Enter');
	const results = page.getByTestId('knowledge-search-results');
	await expect(results).toContainText('fog horn sounds at dawn');
	await expect(results).not.toContainText('polishes the lens');
});

test('an answer cites a document passage, and the citation opens it highlighted', async ({
	page
}) => {
	await openKnowledge(page);
	await page.getByTestId('knowledge-file-input').setInputFiles([FILES[0]!]);
	await expect(page.getByTestId('ingest-job').last()).toHaveAttribute('data-state', 'done', {
		timeout: 60_000
	});
	await page.keyboard.press('Escape');
	await send(
		page,
		'What did the notes say about the Q3 budget? [[tool:search_knowledge {"query":"Q3 budget"}]]'
	);
	const answer = await lastAnswerDone(page);
	// The fixture model quotes the start of the tool result: the numbered passage reached it.
	await expect(answer).toContainText('[1] budget.md');
	// Citations are linked once the Markdown renderer (loaded lazily) has drawn the answer; until
	// then the answer shows as plain text, which can take a while on a busy machine.
	const cite = answer.locator('button.cite').first();
	await expect(cite).toBeVisible({ timeout: 30_000 });
	await cite.click();
	await expect(page.getByTestId('passage-viewer')).toBeVisible();
	await expect(page.getByTestId('passage-cited')).toContainText('40,000 euros');
});

test('"remember that" keeps a memory, shown in Memory, and used in a later answer', async ({
	page
}) => {
	await openHearth(page, {
		embeddingModel: 'hearth-test/bow-embedder',
		agentRouting: false,
		customAgents: [memoryAgent],
		proposeMemories: false
	});
	await send(
		page,
		'Remember that I prefer Python for scripts [[tool:remember {"text":"I prefer Python for scripts"}]]'
	);
	// The first memory loads the embedding model in its worker (cold ONNX Runtime): allow for it.
	await expect(answers(page).last()).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
	await page.getByRole('button', { name: /^Memory/ }).click();
	await expect(page.getByTestId('memory-dialog')).toContainText('I prefer Python for scripts');
	await page.keyboard.press('Escape');

	await send(page, 'Which language do I prefer for scripts, Python?');
	// Its memory lookup may wait for the embedding model still loading in its worker from the
	// first memory: allow for that.
	await expect(answers(page)).toHaveCount(2);
	const answer = answers(page).last();
	await expect(answer).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
	await expect(answer.getByTestId('memory-note')).toContainText(/Used 1 memory/i);
});
