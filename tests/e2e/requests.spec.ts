import { expect, test, type Page } from '@playwright/test';
import { answeredBy, answers, openHearth, send } from './helpers';

// A request that names a tool is never stranded by the agent that answers it: the router moves
// to an agent that has the tool, and an agent the person pinned gets it for that answer. The
// fixture model calls the tool its message names ([[tool:NAME {json}]]); the agents, the router
// and the tools are the app's own, with their default settings.

async function memoryTexts(page: Page): Promise<string> {
	await page.getByRole('button', { name: /^Memory/ }).click();
	const dialog = page.getByTestId('memory-dialog');
	await expect(dialog).toBeVisible();
	const text = (await dialog.textContent()) ?? '';
	await page.keyboard.press('Escape');
	return text;
}

test('the Memory screen’s own example, “remember that I prefer Python”, is remembered', async ({
	page
}) => {
	await openHearth(page, { proposeMemories: false });
	await send(page, 'remember that I prefer Python [[tool:remember {"text":"I prefer Python"}]]');
	const answer = answers(page).last();
	await expect(answer).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
	// The router's pick was one that keeps memories, and the call ran.
	await expect(answeredBy(answer)).toContainText('Answered by Chat');
	const card = answer.getByTestId('tool-call').filter({ hasText: 'remember' });
	await expect(card).toHaveAttribute('data-status', 'done');
	await expect.poll(() => memoryTexts(page)).toContain('I prefer Python');
});

test('an agent the person pinned gets a tool asked for by name, for that answer', async ({
	page
}) => {
	await openHearth(page, { proposeMemories: false });
	await send(page, 'Who painted the Night Watch?');
	const first = answers(page).last();
	await expect(first).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
	// Pin Research for the conversation: asking again with it from the answer's agent menu.
	await first
		.getByTestId('agent-badge')
		.getByText(/Answered by/)
		.click();
	await first.getByRole('button', { name: 'Research' }).click();
	// The new answer replaces the first in place (a branch), so wait for Research's own answer to
	// finish, not for the old one that was already done: sending while it streams is ignored.
	const again = answers(page).last();
	await expect(answeredBy(again)).toContainText('Answered by Research', { timeout: 30_000 });
	await expect(again).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
	await expect(page.getByTestId('pinned-agent')).toContainText('Research answers');

	await send(
		page,
		'Please remember that my museum card expires in May [[tool:remember {"text":"My museum card expires in May"}]]'
	);
	const answer = answers(page).last();
	await expect(answer).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
	await expect(answeredBy(answer)).toContainText('Answered by Research');
	const card = answer.getByTestId('tool-call').filter({ hasText: 'remember' });
	await expect(card).toHaveAttribute('data-status', 'done');
	await expect.poll(() => memoryTexts(page)).toContain('My museum card expires in May');

	// The pin is visible and removable: back to Automatic, the router picks again.
	await page.getByRole('button', { name: 'Let Hearth pick the agent again' }).click();
	await expect(page.getByTestId('pinned-agent')).toHaveCount(0);
	await send(page, 'Hello again!');
	await expect(answeredBy(answers(page).last())).toContainText('Answered by Chat');
});
