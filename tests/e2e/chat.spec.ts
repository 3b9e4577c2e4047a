import { expect, test } from '@playwright/test';
import type { Message } from '../../src/lib/types/chat';
import {
	answers,
	composer,
	lastAnswerDone,
	openHearth,
	send,
	storedRow,
	waitReady
} from './helpers';

test('a message streams a reply that is stored on the device', async ({ page }) => {
	await openHearth(page);
	await expect(page.getByRole('button', { name: 'Send message' })).toBeDisabled();
	await composer(page).fill('   \n  ');
	await expect(page.getByRole('button', { name: 'Send message' })).toBeDisabled();

	await send(page, 'Hello from the test');
	const answer = await lastAnswerDone(page);
	await expect(answer).toHaveAttribute('data-status', 'done');
	await expect(answer).toContainText('Hello from the test');
	await expect(answer).toContainText(/tokens/);
	await expect(page.getByTestId('conversation-item')).toHaveCount(1);
	await expect(page).toHaveURL(/\?c=/);

	await page.reload();
	await waitReady(page);
	await expect(page.getByRole('article', { name: 'Your message' })).toHaveText(
		/Hello from the test/
	);
	await expect(answers(page)).toContainText('Hello from the test');
});

test('stop ends the answer, keeps the text, and continue carries on', async ({ page }) => {
	await openHearth(page);
	await send(page, 'Tell me a long story [[slow]]');
	const answer = answers(page).last();
	await expect(answer).toContainText('w5');
	await page.keyboard.press('Escape');
	await expect(answer).toHaveAttribute('data-status', 'aborted');
	const stoppedText = await answer.textContent();
	expect(stoppedText).not.toContain('w300');
	await answer.getByRole('button', { name: 'Continue' }).click();
	await expect(answer).toHaveAttribute('data-status', 'done');
	await expect(answer).toContainText('and that is the rest of the answer.');
});

test('a reload mid-answer keeps what streamed, marked interrupted, and it can continue', async ({
	page
}) => {
	await openHearth(page);
	await send(page, 'Another long one [[slow]]');
	await expect(answers(page).last()).toContainText('w12');
	// Streamed text is saved every 250 ms: reload once a save holding w10 has landed.
	const id = await answers(page).last().getAttribute('data-message-id');
	await expect
		.poll(async () => (await storedRow<Message>(page, 'messages', id!))?.content)
		.toContain('w10');
	await page.reload();
	await waitReady(page);
	const answer = answers(page).last();
	await expect(answer).toHaveAttribute('data-status', 'interrupted');
	await expect(answer).toContainText('w10');
	await expect(answer).toContainText('Interrupted');
	await answer.getByRole('button', { name: 'Continue' }).click();
	await expect(answer).toHaveAttribute('data-status', 'done');
	await expect(answer).toContainText('and that is the rest of the answer.');
});

test('regenerate keeps both answers; edit-and-resend makes a new branch', async ({ page }) => {
	await openHearth(page);
	await send(page, 'first question');
	await lastAnswerDone(page);
	await page.getByRole('button', { name: 'Regenerate answer' }).click();
	await lastAnswerDone(page);
	await expect(page.getByText('2 / 2')).toBeVisible();
	await page.getByRole('button', { name: 'Previous version' }).click();
	await expect(page.getByText('1 / 2')).toBeVisible();

	await page.getByRole('button', { name: 'Edit and resend' }).click();
	await page.getByLabel('Edit your message').fill('edited question');
	await page.getByRole('button', { name: 'Save & send' }).click();
	await expect(answers(page).last()).toContainText('edited question');
	await expect(page.getByRole('article', { name: 'Your message' })).toHaveText(/edited question/);
	await page.getByRole('button', { name: 'Previous version' }).first().click();
	await expect(page.getByRole('article', { name: 'Your message' })).toHaveText(/first question/);
});

test('engine failures mark the answer with the reason and a retry', async ({ page }) => {
	await openHearth(page);
	await send(page, 'please fail [[error]]');
	let answer = await lastAnswerDone(page);
	await expect(answer).toHaveAttribute('data-status', 'error');
	await expect(answer).toContainText('fixture: the model crashed');
	await expect(answer.getByRole('button', { name: 'Retry' })).toBeVisible();

	await page.getByRole('button', { name: 'New chat' }).click();
	await send(page, 'garbled [[malformed]]');
	answer = await lastAnswerDone(page);
	await expect(answer).toHaveAttribute('data-status', 'error');
	await expect(answer).toContainText('unreadable');

	await page.getByRole('button', { name: 'New chat' }).click();
	await send(page, 'cut off [[drop]]');
	answer = await lastAnswerDone(page);
	await expect(answer).toHaveAttribute('data-status', 'error');
	await expect(answer).toContainText('cut off');
});

test('an unreachable Ollama is explained with the commands that fix it', async ({ page }) => {
	await openHearth(page);
	// Point Hearth at a port nobody listens on, through the settings panel.
	await page.getByRole('button', { name: 'Settings' }).click();
	const url = page.getByLabel('Ollama address');
	await url.fill('http://127.0.0.1:9');
	await url.blur();
	await page.getByRole('button', { name: 'Close' }).click();
	const notice = page.getByTestId('engine-notice');
	await expect(notice).toContainText('ollama serve');
	await expect(notice).toContainText('OLLAMA_ORIGINS=');
	await send(page, 'is anyone there?');
	const answer = await lastAnswerDone(page);
	await expect(answer).toHaveAttribute('data-status', 'error');
	await expect(answer).toContainText('OLLAMA_ORIGINS');
});

test('a 1 MB paste is kept, refused by the model’s window with numbers, and the page stays responsive', async ({
	page
}) => {
	await openHearth(page);
	// ~1.08 MB of text: far beyond any local model's window, so it must not be sent truncated.
	const big = 'lorem ipsum dolor sit amet '.repeat(40_000) + '[[markdown]]';
	await composer(page).fill(big);
	await composer(page).press('Enter');
	await expect(page.getByRole('article', { name: 'Your message' })).toHaveCount(1);
	const answer = await lastAnswerDone(page);
	await expect(answer).toHaveAttribute('data-status', 'error');
	await expect(answer).toContainText(/too long for this model/);
	await expect(answer).toContainText(/about [\d,]+ tokens/);
	await expect(page.getByRole('article', { name: 'Your message' })).toContainText('lorem ipsum');
	await composer(page).fill('still typing');
	await expect(composer(page)).toHaveValue('still typing');
});
