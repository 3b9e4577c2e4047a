import { expect, test } from '@playwright/test';
import {
	OPENAI,
	OPENAI_KEY,
	answers,
	lastAnswerDone,
	openHearth,
	send,
	watchErrors
} from './helpers';

// The fallback chain and the OpenAI-compatible engine, against the fixture servers started in
// global-setup.ts. Ollama is pointed at a closed port where the chain must fall through it.
const CLOSED = 'http://127.0.0.1:9';

test('with Ollama down, an OpenAI-compatible server answers, and the chain says why', async ({
	page
}) => {
	const errors = watchErrors(page);
	await openHearth(
		page,
		{ ollamaUrl: CLOSED, openaiUrl: OPENAI(), openaiKey: OPENAI_KEY },
		'/',
		'qwen2.5-0.5b-instruct'
	);
	await expect(page.getByTestId('engine-status')).toContainText('OpenAI-compatible server');
	await send(page, 'hello from the LAN');
	const answer = await lastAnswerDone(page);
	await expect(answer).toHaveAttribute('data-status', 'done');
	await expect(answer).toContainText('hello from the LAN');

	await page.getByRole('button', { name: 'Conversation options' }).click();
	const chain = page.getByTestId('engine-chain');
	await expect(chain).toContainText('Ollama');
	await expect(chain.locator('li.ready.active')).toContainText('OpenAI-compatible');
	// Chromium logs each refused connection to the closed Ollama port; nothing else may appear.
	expect(errors.filter((e) => !e.startsWith('Failed to load resource'))).toEqual([]);
});

test('a wrong API key is explained, and the key is never shown', async ({ page }) => {
	await openHearth(
		page,
		{ ollamaUrl: CLOSED, openaiUrl: OPENAI(), openaiKey: 'sk-wrong-key', engine: 'openai' },
		'/',
		/OpenAI-compatible/
	);
	const notice = page.getByTestId('engine-notice');
	await expect(notice).toContainText(/API key/i);
	await expect(notice).not.toContainText('sk-wrong-key');
	await send(page, 'anyone?');
	const answer = await lastAnswerDone(page);
	await expect(answer).toHaveAttribute('data-status', 'error');
	await expect(answer).toContainText(/API key/i);
});

test('with nothing ready on a desktop, onboarding leads with one action and folds the others', async ({
	page
}) => {
	await openHearth(page, { ollamaUrl: CLOSED }, '/', 'No engine ready');
	const notice = page.getByTestId('engine-notice');
	// WebGPU runs here (SwiftShader): the in-browser model recommended for this device leads.
	await expect(notice.getByTestId('first-run-primary')).toHaveText(/^Download /);
	// Ollama's exact commands and the server are one click away, once.
	const others = notice.locator('details.others');
	await expect(others).not.toHaveAttribute('open', '');
	await others.locator('summary').first().click();
	await others.getByText('Use Ollama on this computer').click();
	await expect(others.locator('code', { hasText: 'OLLAMA_ORIGINS=' })).toBeVisible();
	await expect(
		others.getByRole('button', { name: 'Connect to a server on my network' })
	).toBeVisible();
});

test('reasoning streams into a collapsible block with its duration, apart from the answer', async ({
	page
}) => {
	await openHearth(page);
	await send(page, '[[think]] why is the sky blue?');
	const answer = await lastAnswerDone(page);
	await expect(answer).toHaveAttribute('data-status', 'done');
	const thinking = answer.locator('details[data-testid="thinking"]');
	await expect(thinking).toBeVisible();
	await expect(thinking.locator('summary')).toContainText(/Thought for/);
	await expect(thinking).not.toHaveAttribute('open', '');
	await thinking.locator('summary').click();
	await expect(thinking).toContainText('some reasoning');
	await expect(answer.locator('.markdown')).toHaveText('The answer.');
});

test('a conversation can be pinned to another engine and keeps its own settings', async ({
	page
}) => {
	await openHearth(page, { openaiUrl: OPENAI(), openaiKey: OPENAI_KEY });
	await send(page, 'first, from Ollama');
	await expect(await lastAnswerDone(page)).toHaveAttribute('data-status', 'done');

	await page.getByRole('button', { name: 'Conversation options' }).click();
	const dialog = page.getByTestId('conversation-settings');
	await dialog.getByLabel('Engine and model').selectOption({ label: 'llama-3.2-1b-instruct' });
	await dialog.getByLabel('Temperature').fill('0.2');
	await dialog.getByLabel('Temperature').blur();
	await dialog.getByRole('button', { name: 'Close' }).click();
	await expect(page.getByTestId('engine-status')).toContainText(
		'llama-3.2-1b-instruct (this conversation)'
	);

	await send(page, 'second, from the server');
	const answer = await lastAnswerDone(page);
	await expect(answer).toHaveAttribute('data-status', 'done');
	await expect(answer).toContainText('llama-3.2-1b-instruct');

	// The pin and the setting are stored with the conversation.
	await page.reload();
	await expect(page.getByTestId('engine-status')).toContainText('(this conversation)');
	await page.getByRole('button', { name: 'Conversation options' }).click();
	await expect(page.getByTestId('conversation-settings').getByLabel('Temperature')).toHaveValue(
		'0.2'
	);
	await expect(answers(page)).toHaveCount(2);
});
