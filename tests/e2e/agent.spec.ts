import { expect, test, type Locator, type Page } from '@playwright/test';
import { CURRENT } from '../fixtures/open-meteo-fixture.js';
import { ARTICLE_TITLE, INJECTION_TITLE } from '../fixtures/page-fixture.js';
import { lastAnswerDone, openHearth, send } from './helpers';

// The agent end to end: the Ollama fixture plays a model that calls the tools its user message
// names ([[tool:NAME {json}]], see tests/fixtures/fixture-replies.js); the tools are the real
// ones, talking to fixture servers shaped like SearXNG, Wikipedia, Open-Meteo and web pages.

interface ToolsEnv {
	settings: Record<string, string>;
	pages: string;
}
const TOOLS = (): ToolsEnv => JSON.parse(process.env.HEARTH_E2E_TOOLS ?? 'null') as ToolsEnv;

/** The pages fixture as a host the user allowed (it is on loopback, which is blocked otherwise). */
function pages(): { url: string; host: string } {
	const url = new URL(TOOLS().pages);
	return { url: url.origin, host: url.host };
}

/** The casual agent, edited to use every tool these tests need (as a user could in settings). */
const everyToolAgent = {
	id: 'chat',
	name: 'Chat',
	description: 'Casual conversation.',
	systemPrompt: 'You are Hearth. Use tools when they help.',
	examples: [],
	tools: [
		'web_search',
		'fetch_page',
		'weather',
		'calculator',
		'current_time',
		'run_python',
		'set_reminder',
		'list_reminders',
		'list_files',
		'read_file',
		'write_file',
		'create_file'
	],
	model: '',
	chainOfThought: false
};

async function openAgent(page: Page, extra: Record<string, unknown> = {}): Promise<void> {
	await openHearth(page, {
		...TOOLS().settings,
		agentRouting: false,
		allowedPrivateHosts: [pages().host],
		customAgents: [everyToolAgent],
		...extra
	});
}

const cards = (page: Page) => page.getByTestId('tool-call');

/** The answer's own text (what the model wrote), without its tool cards. */
const answerText = (answer: Locator) => answer.locator('.markdown');

test('searches, reads a page, and answers from the results; the ledger shows each request', async ({
	page
}) => {
	await openAgent(page);
	await send(
		page,
		`Look up lighthouses [[tool:web_search {"query":"lighthouse"}]] [[tool:fetch_page {"url":"${pages().url}/article"}]]`
	);
	const answer = await lastAnswerDone(page);
	await expect(answer).toHaveAttribute('data-status', 'done');
	await expect(cards(page)).toHaveCount(2);
	await expect(cards(page).nth(0)).toHaveAttribute('data-status', 'done');
	await expect(cards(page).nth(0)).toHaveAttribute('data-tool', 'web_search');
	await expect(cards(page).nth(1)).toHaveAttribute('data-status', 'done');
	// The fixture model quotes what each tool returned: the results reached the model.
	await expect(answerText(answer)).toContainText('Tool results:');
	await expect(answerText(answer)).toContainText(ARTICLE_TITLE);
	await expect(answer.getByTestId('agent-badge')).toContainText('Answered by Chat');

	await page.getByRole('button', { name: /Privacy ledger/ }).click();
	const rows = page.getByTestId('ledger-row');
	await expect(rows).toHaveCount(2);
	await expect(page.getByTestId('ledger-table')).toContainText('web_search');
	await expect(page.getByTestId('ledger-table')).toContainText(pages().host);
});

test('a side effect waits for the user: declined it never runs, allowed it does', async ({
	page
}) => {
	await openAgent(page);
	await send(
		page,
		'Remind me [[tool:set_reminder {"text":"water the plants","when":"in 2 hours"}]]'
	);
	const card = cards(page).first();
	await expect(card).toHaveAttribute('data-status', 'awaiting');
	await expect(card).toContainText('water the plants');
	await page.getByRole('button', { name: "Don't allow" }).click();
	await expect(card).toHaveAttribute('data-status', 'denied');
	await lastAnswerDone(page);

	await send(page, 'Please do [[tool:set_reminder {"text":"call Sam","when":"in 3 hours"}]]');
	const second = cards(page).last();
	await expect(second).toHaveAttribute('data-status', 'awaiting');
	await page.getByRole('button', { name: 'Allow', exact: true }).click();
	await expect(second).toHaveAttribute('data-status', 'done');
	await lastAnswerDone(page);

	await page.getByRole('button', { name: 'Tools and agents' }).click();
	const dialog = page.getByTestId('tools-dialog');
	await expect(dialog).toContainText('call Sam');
	await expect(dialog).not.toContainText('water the plants');
});

test('a page that says "ignore previous instructions" gets no file written without a yes', async ({
	page
}) => {
	// Where the browser cannot share real folders, Hearth offers its private scratch space
	// (OPFS); this test takes that path so it can run headless.
	await page.addInitScript(() => {
		delete (window as { showDirectoryPicker?: unknown }).showDirectoryPicker;
	});
	await openAgent(page);
	await send(
		page,
		`Summarise ${pages().url}/injection [[tool:fetch_page {"url":"${pages().url}/injection"}]] [[tool:create_file {"folder":"scratch","path":"pwned.txt","content":"owned"}]]`
	);
	const read = cards(page).nth(0);
	const write = cards(page).nth(1);
	await expect(read).toHaveAttribute('data-tool', 'fetch_page');
	await expect(read).toHaveAttribute('data-status', 'done');
	await expect(write).toHaveAttribute('data-tool', 'create_file');
	await expect(write).toHaveAttribute('data-status', 'awaiting');
	await expect(write).toContainText('pwned.txt');
	// Marked: it was asked for after reading untrusted content.
	await expect(write).toContainText(/untrusted/i);
	await page.getByRole('button', { name: "Don't allow" }).click();
	await expect(write).toHaveAttribute('data-status', 'denied');
	const first = await lastAnswerDone(page);
	await expect(first).toHaveAttribute('data-status', 'done');
	// The fixture model quotes each result: the page was read, and the write was refused.
	await expect(answerText(first)).toContainText(INJECTION_TITLE);
	await expect(answerText(first)).toContainText('The user declined this call, so it did not run.');

	// The folder is listed for real, and it is empty: a listing that failed proves nothing.
	await send(page, 'What is there? [[tool:list_files {"folder":"scratch"}]]');
	const listing = await lastAnswerDone(page);
	await expect(listing).toHaveAttribute('data-status', 'done');
	await expect(cards(page)).toHaveCount(3);
	await expect(cards(page).nth(2)).toHaveAttribute('data-tool', 'list_files');
	await expect(cards(page).nth(2)).toHaveAttribute('data-status', 'done');
	await expect(answerText(listing)).toContainText(/Tool results: .* is empty\./);
	await expect(listing).not.toContainText('pwned.txt');
});

test('files: create in the scratch space after a yes, then read it back', async ({ page }) => {
	await page.addInitScript(() => {
		delete (window as { showDirectoryPicker?: unknown }).showDirectoryPicker;
	});
	await openAgent(page);
	await send(
		page,
		'Save a note [[tool:create_file {"folder":"scratch","path":"notes/todo.md","content":"buy oat milk"}]]'
	);
	await page.getByRole('button', { name: 'Allow', exact: true }).click();
	await lastAnswerDone(page);
	await expect(cards(page).first()).toHaveAttribute('data-status', 'done');

	await send(page, 'Read it [[tool:read_file {"folder":"scratch","path":"notes/todo.md"}]]');
	const answer = await lastAnswerDone(page);
	await expect(answer).toContainText('buy oat milk');
});

test('weather and the calculator answer through their tools', async ({ page }) => {
	await openAgent(page);
	await send(
		page,
		'Weather in Berlin and 12*7? [[tool:weather {"place":"Berlin"}]] [[tool:calculator {"expression":"12*7"}]]'
	);
	const answer = await lastAnswerDone(page);
	await expect(answer).toHaveAttribute('data-status', 'done');
	await expect(cards(page)).toHaveCount(2);
	await expect(cards(page).nth(0)).toHaveAttribute('data-tool', 'weather');
	await expect(cards(page).nth(0)).toHaveAttribute('data-status', 'done');
	await expect(cards(page).nth(1)).toHaveAttribute('data-tool', 'calculator');
	await expect(cards(page).nth(1)).toHaveAttribute('data-status', 'done');
	// Only the fixture's forecast says this (the card shows "Berlin" from the arguments alone),
	// and only the calculator's result is 84.
	const { temperature_2m: now, apparent_temperature: feels } = CURRENT;
	await expect(answerText(answer)).toContainText('Berlin, State of Berlin, Germany (');
	await expect(answerText(answer)).toContainText(`light rain, ${now}°C (feels like ${feels}°C)`);
	await expect(answerText(answer)).toContainText('| 12*7 = 84');
});

test('Python runs an attached CSV read-only under /data, with output on its card', async ({
	page
}) => {
	await openAgent(page);
	const chooser = page.waitForEvent('filechooser');
	await page.getByRole('button', { name: 'Attach files' }).click();
	await (
		await chooser
	).setFiles({
		name: 'sales.csv',
		mimeType: 'text/csv',
		buffer: Buffer.from('month,total\njan,3\nfeb,4\n')
	});
	await expect(page.getByRole('list', { name: 'Attached files' })).toContainText('sales.csv');
	const code =
		"import csv\\nrows = list(csv.DictReader(open('/data/sales.csv')))\\nprint('sum', sum(int(r['total']) for r in rows))\\ntry:\\n    open('/data/sales.csv', 'w')\\nexcept OSError as e:\\n    print('read-only', type(e).__name__)";
	await send(page, `Add up the totals [[tool:run_python {"code":"${code}"}]]`);
	const card = cards(page).first();
	await expect(card).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
	const answer = await lastAnswerDone(page);
	await expect(answer).toContainText('sum 7');
	await expect(answer).toContainText('read-only');
});

test('offline only: a search is refused before any request, and the ledger stays empty', async ({
	page
}) => {
	await openAgent(page, { offlineOnly: true });
	await send(page, 'Search [[tool:web_search {"query":"lighthouse"}]]');
	await lastAnswerDone(page);
	await expect(cards(page).first()).toHaveAttribute('data-status', 'error');
	await page.getByRole('button', { name: /Privacy ledger/ }).click();
	await expect(page.getByTestId('ledger-empty')).toBeVisible();
});
