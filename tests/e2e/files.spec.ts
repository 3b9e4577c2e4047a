import { expect, test, type Page } from '@playwright/test';
import {
	answeredBy,
	answers,
	lastAnswerDone,
	OPENAI,
	OPENAI_KEY,
	openHearth,
	send,
	waitReady
} from './helpers';

// Organising shared folders end to end: the folder picker is stood in for by real handles from
// the origin-private file system (which IndexedDB keeps, as it keeps picked folders' handles);
// the Ollama fixture plays a model that calls the tools its message names ([[tool:NAME {json}]]).
// Every check reads the real folder back, not only the card's text.

type Tree = { [name: string]: string | Tree };

/** The picker hands out OPFS folders by the name the test asked for (`window.__pick`). */
async function standInPicker(page: Page): Promise<void> {
	await page.addInitScript(() => {
		const w = window as unknown as {
			__pick?: string;
			showDirectoryPicker: () => Promise<FileSystemDirectoryHandle>;
		};
		w.showDirectoryPicker = async () => {
			const root = await navigator.storage.getDirectory();
			return root.getDirectoryHandle(w.__pick ?? 'Downloads', { create: true });
		};
	});
}

async function writeTree(page: Page, folder: string, tree: Tree): Promise<void> {
	await page.evaluate(
		async ({ folder, tree }) => {
			const fill = async (dir: FileSystemDirectoryHandle, t: Tree) => {
				for (const [name, value] of Object.entries(t)) {
					if (typeof value === 'string') {
						const w = await (await dir.getFileHandle(name, { create: true })).createWritable();
						await w.write(value);
						await w.close();
					} else await fill(await dir.getDirectoryHandle(name, { create: true }), value);
				}
			};
			const root = await navigator.storage.getDirectory();
			await fill(await root.getDirectoryHandle(folder, { create: true }), tree);
		},
		{ folder, tree }
	);
}

/** The real folder, read back (files as text); Hearth's trash is returned apart. */
async function readTree(page: Page, folder: string): Promise<{ tree: Tree; trash: string[] }> {
	return page.evaluate(async (folder) => {
		const read = async (dir: FileSystemDirectoryHandle): Promise<Tree> => {
			const out: Tree = {};
			for await (const [name, handle] of (
				dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }
			).entries()) {
				out[name] =
					handle.kind === 'directory'
						? await read(handle as FileSystemDirectoryHandle)
						: await (await (handle as FileSystemFileHandle).getFile()).text();
			}
			return out;
		};
		const root = await navigator.storage.getDirectory();
		const tree = await read(await root.getDirectoryHandle(folder));
		const trash = tree['.hearth-trash'];
		delete tree['.hearth-trash'];
		const trashed =
			trash && typeof trash === 'object'
				? Object.keys(trash).filter((n) => n.endsWith('.json'))
				: [];
		return { tree, trash: trashed };
	}, folder);
}

/** Shares the folder the picker hands out under `name`, with changes allowed. */
async function shareFolder(page: Page, name: string): Promise<void> {
	await page.evaluate((n) => ((window as unknown as { __pick: string }).__pick = n), name);
	await page.getByRole('button', { name: 'Tools and agents' }).click();
	const dialog = page.getByTestId('tools-dialog');
	await dialog.getByRole('button', { name: 'Share a folder…' }).click();
	const row = dialog.getByRole('listitem').filter({ hasText: name });
	await expect(row).toBeVisible();
	await row.getByRole('checkbox', { name: 'Allow changes' }).check();
	await expect(row.getByRole('checkbox', { name: 'Allow changes' })).toBeChecked();
	await page.keyboard.press('Escape');
}

const cards = (page: Page) => page.getByTestId('tool-call');

// Thirty files of every kind, as a downloads folder collects them.
const KINDS: Record<string, [string, string[]]> = {
	Images: [
		'Images',
		['holiday-01.jpg', 'holiday-02.jpg', 'scan.png', 'logo.svg', 'cat.gif', 'screenshot.png']
	],
	Documents: [
		'Documents',
		[
			'invoice-march.pdf',
			'letter.docx',
			'notes.txt',
			'cv.pdf',
			'recipe.md',
			'manual.pdf',
			'budget.ods'
		]
	],
	Music: ['Music', ['song.mp3', 'podcast.m4a', 'ringtone.ogg', 'album.flac']],
	Videos: ['Videos', ['clip.mp4', 'talk.webm', 'birthday.mov']],
	Archives: [
		'Archives',
		['photos.zip', 'backup.tar.gz', 'fonts.7z', 'installer.dmg', 'drivers.zip']
	],
	Other: ['Other', ['readme', 'data.bin', 'license.key', 'sketch.psd', 'model.stl']]
};
const DOWNLOADS: Tree = Object.fromEntries(
	Object.values(KINDS).flatMap(([, files]) => files.map((f) => [f, `contents of ${f}`]))
);

test('"Organize my downloads folder": one plan on one card, one item unticked, applied, undone', async ({
	page
}) => {
	expect(Object.keys(DOWNLOADS)).toHaveLength(30);
	await standInPicker(page);
	await openHearth(page);
	await writeTree(page, 'Downloads', DOWNLOADS);
	await shareFolder(page, 'Downloads');

	const operations = Object.values(KINDS).flatMap(([folder, files]) => [
		{ action: 'make_folder', path: folder },
		...files.map((f) => ({ action: 'move', from: f, to: `${folder}/` }))
	]);
	const plan = { folder: 'Downloads', summary: 'Sort downloads into folders by type', operations };
	await send(
		page,
		`Organize my downloads folder [[tool:list_files {"folder":"Downloads"}]] [[tool:plan_file_changes ${JSON.stringify(plan)}]]`
	);

	const card = cards(page).filter({ has: page.getByTestId('file-plan') });
	await expect(card).toHaveAttribute('data-status', 'awaiting');
	await expect(card).toHaveAttribute('data-tool', 'plan_file_changes');
	const review = card.getByTestId('file-plan');
	await expect(review).toHaveAttribute('data-state', 'proposed');
	await expect(review.getByTestId('plan-item')).toHaveCount(36);
	await expect(review).toContainText(
		'36 of 36 changes in “Downloads”: 6 folders to make, 30 items to move.'
	);
	// The file names the listing returned are untrusted text: the plan still waits, and says so.
	await expect(review.getByTestId('plan-tainted')).toContainText(
		'Proposed after reading untrusted content (a web page, file or search result). It came from: list_files Downloads.'
	);
	// Nothing has moved while the plan waits.
	expect((await readTree(page, 'Downloads')).tree).toEqual(DOWNLOADS);

	// The person leaves one file where it is.
	await review
		.getByRole('checkbox', { name: 'Include: Move "cv.pdf" → "Documents/cv.pdf"' })
		.uncheck();
	await expect(review).toContainText('35 of 36 changes');
	await review.getByRole('button', { name: 'Apply 35 changes' }).click();

	await expect(card).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
	await expect(review).toHaveAttribute('data-state', 'applied');
	await expect(review.getByTestId('plan-item')).toHaveCount(35);
	await expect(review.locator('[data-testid="plan-item"][data-outcome="done"]')).toHaveCount(35);
	await lastAnswerDone(page);
	// The agent that answered is Tasks, and the model heard what was done.
	await expect(answeredBy(answers(page).last())).toContainText('Answered by Tasks');
	await expect(answers(page).last()).toContainText(
		'Applied the plan in "Downloads": 6 folders made, 29 items moved'
	);

	const expected: Tree = { 'cv.pdf': 'contents of cv.pdf' };
	for (const [folder, files] of Object.values(KINDS)) {
		expected[folder] = Object.fromEntries(
			files.filter((f) => f !== 'cv.pdf').map((f) => [f, `contents of ${f}`])
		);
	}
	expect((await readTree(page, 'Downloads')).tree).toEqual(expected);

	const undo = card.getByTestId('plan-undo');
	await expect(undo).toHaveAttribute('data-status', 'available');
	await expect(undo).toContainText('30 days');
	await undo.getByRole('button', { name: 'Undo' }).click();
	await expect(undo).toHaveAttribute('data-status', 'undone', { timeout: 30_000 });
	expect((await readTree(page, 'Downloads')).tree).toEqual(DOWNLOADS);

	// Undo stays undone after a reload (the journal is in IndexedDB).
	await page.reload();
	await expect(page.getByTestId('plan-undo')).toHaveAttribute('data-status', 'undone');
});

const FLASK = {
	folder: 'Projects',
	summary: 'A Flask app skeleton',
	operations: [
		{ action: 'make_folder', path: 'flask-app/templates' },
		{ action: 'make_folder', path: 'flask-app/static/css' },
		{ action: 'make_folder', path: 'flask-app/tests' },
		{
			action: 'create_file',
			path: 'flask-app/app.py',
			content:
				'from flask import Flask, render_template\n\napp = Flask(__name__)\n\n\n@app.route("/")\ndef index():\n    return render_template("index.html")\n'
		},
		{ action: 'create_file', path: 'flask-app/requirements.txt', content: 'flask>=3.0\npytest\n' },
		{
			action: 'create_file',
			path: 'flask-app/templates/index.html',
			content: '<!doctype html>\n<title>Hello</title>\n<h1>Hello, Flask</h1>\n'
		},
		{
			action: 'create_file',
			path: 'flask-app/static/css/style.css',
			content: 'body { font-family: sans-serif; }\n'
		},
		{
			action: 'create_file',
			path: 'flask-app/tests/test_app.py',
			content:
				'from app import app\n\n\ndef test_index():\n    assert app.test_client().get("/").status_code == 200\n'
		},
		{
			action: 'create_file',
			path: 'flask-app/README.md',
			content: '# flask-app\n\n`flask --app app run`\n'
		}
	]
};

test('"Create a new project structure for a Flask app": folders and starter files in the picked folder, one approval, undone', async ({
	page
}) => {
	await standInPicker(page);
	await openHearth(page);
	await writeTree(page, 'Projects', { 'notes.txt': 'mine' });
	await shareFolder(page, 'Projects');
	await send(
		page,
		`Create a new project structure for a Flask app [[tool:plan_file_changes ${JSON.stringify(FLASK)}]]`
	);
	const card = cards(page).first();
	await expect(card).toHaveAttribute('data-status', 'awaiting');
	const review = card.getByTestId('file-plan');
	await expect(review).toContainText(
		'9 of 9 changes in “Projects”: 3 folders to make, 6 files to create.'
	);
	// The tree the plan leaves, before anything is made.
	await review.getByText('The folder after the plan').click();
	await expect(review.getByTestId('plan-tree')).toContainText('test_app.py');
	await review.getByRole('button', { name: 'Apply 9 changes' }).click();
	await expect(card).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
	await lastAnswerDone(page);
	// Typed alone, the request goes to Tasks (router.test.ts); the Python in this scripted call
	// makes the router pick Code here, which has the tool too.
	await expect(answeredBy(answers(page).last())).toContainText(/Answered by (Code|Tasks)/);

	const ops = FLASK.operations;
	const content = (i: number) => (ops[i] as { content: string }).content;
	expect((await readTree(page, 'Projects')).tree).toEqual({
		'notes.txt': 'mine',
		'flask-app': {
			templates: { 'index.html': content(5) },
			static: { css: { 'style.css': content(6) } },
			tests: { 'test_app.py': content(7) },
			'app.py': content(3),
			'requirements.txt': content(4),
			'README.md': content(8)
		}
	});

	await card.getByTestId('plan-undo').getByRole('button', { name: 'Undo' }).click();
	await expect(card.getByTestId('plan-undo')).toHaveAttribute('data-status', 'undone');
	expect((await readTree(page, 'Projects')).tree).toEqual({ 'notes.txt': 'mine' });
});

test('deletes go to the folder trash, listed under Tools and agents to restore or empty; a failed undo names the file', async ({
	page
}) => {
	await standInPicker(page);
	await openHearth(page);
	await writeTree(page, 'Downloads', {
		'old.zip': 'zip',
		'draft.txt': 'draft',
		'keep.txt': 'keep'
	});
	await shareFolder(page, 'Downloads');
	const plan = {
		folder: 'Downloads',
		operations: [
			{ action: 'delete', path: 'old.zip' },
			{ action: 'delete', path: 'draft.txt' },
			{ action: 'move', from: 'keep.txt', to: 'kept/keep.txt' }
		]
	};
	await send(
		page,
		`Clean up my downloads folder [[tool:plan_file_changes ${JSON.stringify(plan)}]]`
	);
	const card = cards(page).first();
	const review = card.getByTestId('file-plan');
	await expect(review.getByRole('checkbox', { name: /Delete for good/ })).not.toBeChecked();
	await review.getByRole('button', { name: 'Apply 3 changes' }).click();
	await expect(card).toHaveAttribute('data-status', 'done');
	const after = await readTree(page, 'Downloads');
	expect(after.tree).toEqual({ kept: { 'keep.txt': 'keep' } });
	expect(after.trash).toHaveLength(2);

	// Someone edits the moved file: undo is refused, naming it, and nothing moves.
	await writeTree(page, 'Downloads', { kept: { 'keep.txt': 'keep, edited' } });
	const undo = card.getByTestId('plan-undo');
	await undo.getByRole('button', { name: 'Undo' }).click();
	await expect(undo.getByRole('alert')).toContainText('"kept/keep.txt"');
	expect((await readTree(page, 'Downloads')).tree).toEqual({
		kept: { 'keep.txt': 'keep, edited' }
	});

	await page.getByRole('button', { name: 'Tools and agents' }).click();
	const dialog = page.getByTestId('tools-dialog');
	await dialog.getByRole('button', { name: 'Trash of Downloads' }).click();
	const items = dialog.getByTestId('trash-item');
	await expect(items).toHaveCount(2);
	await expect(dialog.getByTestId('folder-trash')).toContainText('draft.txt');
	await dialog.getByRole('button', { name: 'Restore draft.txt' }).click();
	await expect(items).toHaveCount(1);
	await expect(dialog.getByTestId('folder-trash')).toContainText('Restored to "draft.txt"');
	expect((await readTree(page, 'Downloads')).tree).toMatchObject({ 'draft.txt': 'draft' });

	await dialog.getByTestId('empty-trash').click();
	await dialog.getByTestId('empty-trash-confirm').click();
	await expect(dialog.getByTestId('folder-trash')).toContainText('Deleted 1 item for good.');
	const emptied = await readTree(page, 'Downloads');
	expect(emptied.trash).toEqual([]);
	expect(emptied.tree['old.zip']).toBeUndefined();
});

test('a reload in the middle of a large apply: the card is rebuilt from the journal and the folder, and Undo puts everything back', async ({
	page
}) => {
	const FILES = 400;
	const MOVED_BEFORE_RELOAD = 150;
	const name = (i: number) => `file-${String(i).padStart(3, '0')}.dat`;
	const files: Tree = Object.fromEntries(
		Array.from({ length: FILES }, (_, i) => [name(i), `contents of ${name(i)}`])
	);
	await standInPicker(page);
	// The page goes away in the middle: once the test says so, file moves past that count never
	// start (they wait for a page that is about to be reloaded). The reloaded page moves normally.
	await page.addInitScript(() => {
		const w = window as unknown as { __holdMovesAfter?: number };
		const proto = FileSystemFileHandle.prototype as unknown as {
			move(...args: unknown[]): Promise<void>;
		};
		const move = proto.move;
		let moves = 0;
		proto.move = function (...args: unknown[]) {
			if (w.__holdMovesAfter !== undefined && ++moves > w.__holdMovesAfter) {
				return new Promise<void>(() => {});
			}
			return move.apply(this, args);
		};
	});
	// A plan of 400 moves is ~14,500 tokens: the OpenAI-compatible fixture's model holds 32,768
	// (the Ollama fixture's llama3.2:1b is taken to hold 4,096).
	await openHearth(
		page,
		{ ollamaUrl: 'http://127.0.0.1:9', openaiUrl: OPENAI(), openaiKey: OPENAI_KEY },
		'/',
		'qwen2.5-0.5b-instruct'
	);
	await writeTree(page, 'Downloads', files);
	await shareFolder(page, 'Downloads');
	const operations = Array.from({ length: FILES }, (_, i) => ({
		action: 'move',
		from: name(i),
		to: `K${i % 4}/`
	}));
	const plan = { folder: 'Downloads', summary: 'Sort by kind', operations };
	await send(
		page,
		`Organize my downloads folder [[tool:plan_file_changes ${JSON.stringify(plan)}]]`
	);
	const card = cards(page).filter({ has: page.getByTestId('file-plan') });
	const review = card.getByTestId('file-plan');
	await expect(review).toHaveAttribute('data-state', 'proposed', { timeout: 30_000 });
	await page.evaluate(
		(n) => ((window as unknown as { __holdMovesAfter: number }).__holdMovesAfter = n),
		MOVED_BEFORE_RELOAD
	);
	await review.getByRole('button', { name: `Apply ${FILES} changes` }).click();
	await expect(card).toHaveAttribute('data-status', 'running');
	// Names only: a file read while the plan moves it may be gone by then.
	const movedOnDisk = () =>
		page.evaluate(async () => {
			const root = await (await navigator.storage.getDirectory()).getDirectoryHandle('Downloads');
			const list = (dir: FileSystemDirectoryHandle) =>
				(dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries();
			let moved = 0;
			for await (const [, handle] of list(root)) {
				if (handle.kind !== 'directory') continue;
				for await (const [name] of list(handle as FileSystemDirectoryHandle)) {
					if (name) moved++;
				}
			}
			return moved;
		});
	await expect.poll(movedOnDisk, { timeout: 30_000 }).toBe(MOVED_BEFORE_RELOAD);

	await page.reload();
	await waitReady(page);
	const after = cards(page).filter({ has: page.getByTestId('file-plan') });
	const rebuilt = after.getByTestId('file-plan');
	// The call was cut off; the card says so and shows what the folder holds.
	await expect(after).toHaveAttribute('data-status', 'cancelled');
	await expect(rebuilt).toHaveAttribute('data-state', 'interrupted', { timeout: 30_000 });
	await expect(rebuilt).toContainText(
		`Interrupted in “Downloads” after ${MOVED_BEFORE_RELOAD} of ${FILES}: ${MOVED_BEFORE_RELOAD} items moved.`
	);
	await expect(rebuilt.getByTestId('plan-interrupted')).toContainText('closed or reloaded');
	await rebuilt.getByRole('button', { name: /^Show all/ }).click();
	await expect(rebuilt.locator('[data-testid="plan-item"][data-outcome="done"]')).toHaveCount(
		MOVED_BEFORE_RELOAD
	);
	await expect(rebuilt.locator('[data-testid="plan-item"][data-outcome="not_run"]')).toHaveCount(
		FILES - MOVED_BEFORE_RELOAD
	);
	// Nothing offers to apply the rest blindly.
	await expect(rebuilt.getByRole('button', { name: /^Apply/ })).toHaveCount(0);
	expect(await movedOnDisk()).toBe(MOVED_BEFORE_RELOAD);

	const undo = rebuilt.getByTestId('plan-undo');
	await expect(undo).toHaveAttribute('data-status', 'available');
	await undo.getByRole('button', { name: 'Undo' }).click();
	await expect(undo).toHaveAttribute('data-status', 'undone', { timeout: 60_000 });
	expect((await readTree(page, 'Downloads')).tree).toEqual(files);
});
