import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { answers, lastAnswerDone, openHearth, send } from './helpers';

// Evals and metrics in the built app against the fixture Ollama: a set imported as JSON runs on
// two models with progress, its results compare side by side (the differing case opens), no
// request leaves for the internet, and the dashboard draws real recorded answers and passes axe.

const SET = {
	format: 'hearth-eval-set',
	version: 1,
	sets: [
		{
			id: 'e2e',
			name: 'E2E cases',
			version: 1,
			cases: [
				{
					id: 'echo',
					category: 'custom',
					agent: 'chat',
					turns: [{ text: 'Please say PASS-7' }],
					graders: [{ kind: 'contains', expected: ['PASS-7'] }]
				},
				{
					// Fails three times on the fixture (more than the retries), then answers.
					id: 'flaky',
					category: 'custom',
					agent: 'chat',
					turns: [{ text: 'Answer me [[flaky:3]]' }],
					graders: [{ kind: 'contains', expected: ['answer me'] }]
				},
				{
					id: 'search',
					category: 'tools',
					agent: 'research',
					tools: ['web_search'],
					turns: [{ text: 'Find it [[tool:web_search {"query":"python tutorials"}]]' }],
					graders: [
						{ kind: 'tool-call', tool: 'web_search', args: { query: 'Python tutorials' } },
						{ kind: 'contains', expected: ['The Python Tutorial'] }
					]
				},
				{
					id: 'wrong',
					category: 'arithmetic',
					agent: 'chat',
					turns: [{ text: "What's 2+2?" }],
					graders: [{ kind: 'numeric', expected: 4 }]
				}
			]
		}
	]
};

async function seriousViolations(page: Page) {
	const result = await new AxeBuilder({ page }).include('[data-testid="quality-dialog"]').analyze();
	return result.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function runOn(page: Page, model: RegExp) {
	const dialog = page.getByTestId('quality-dialog');
	await dialog.getByTestId('eval-set').selectOption({ label: 'E2E cases (4 cases)' });
	const option = dialog.getByTestId('eval-model').locator('option', { hasText: model });
	await dialog.getByTestId('eval-model').selectOption((await option.getAttribute('value')) ?? '');
	await dialog.getByTestId('eval-run').click();
	await expect(dialog.getByTestId('eval-progress')).toBeVisible();
	await expect(dialog.getByTestId('eval-run')).toBeVisible({ timeout: 60_000 });
}

test('a set runs on two models, compares side by side, and never reaches the internet', async ({
	page
}) => {
	test.setTimeout(180_000);
	const outside: string[] = [];
	page.on('request', (request) => {
		const url = new URL(request.url());
		if (url.protocol.startsWith('http') && !['127.0.0.1', 'localhost'].includes(url.hostname)) {
			outside.push(request.url());
		}
	});
	await openHearth(page);
	await page.getByRole('button', { name: /Evals and metrics/ }).click();
	const dialog = page.getByTestId('quality-dialog');
	await expect(dialog.getByTestId('evals-panel')).toBeVisible();
	await expect(dialog.getByTestId('eval-set')).toContainText('Hearth core (67 cases)');

	// Import the set (validated) from a JSON file.
	await dialog.getByTestId('import-evals').setInputFiles({
		name: 'e2e.json',
		mimeType: 'application/json',
		buffer: Buffer.from(JSON.stringify(SET))
	});
	await expect(dialog.getByTestId('eval-set')).toContainText('E2E cases (4 cases)');

	await runOn(page, /llama3\.2:1b/);
	const report = dialog.getByTestId('run-report');
	await expect(report).toContainText('llama3.2:1b');
	await expect(report.getByTestId('run-completion')).toHaveText('50 % (2/4)');
	// A case opens on its graders' reasons and the transcript.
	const wrong = report.locator('details', {
		has: page.locator('summary', { hasText: /\bwrong\b/ })
	});
	await wrong.locator('summary').click();
	await expect(wrong.getByTestId('case-detail')).toContainText(
		"Expected 4; the answer's last number is 2."
	);

	await runOn(page, /qwen2\.5:0\.5b/);
	await expect(dialog.getByTestId('run-report')).toContainText('qwen2.5:0.5b');
	await expect(dialog.getByTestId('run-completion')).toHaveText('75 % (3/4)');

	// Both runs ticked: the comparison, with the one case that differs, openable.
	const runs = dialog.getByTestId('eval-runs').getByRole('checkbox');
	await runs.nth(0).check();
	await runs.nth(1).check();
	const compare = dialog.getByTestId('run-compare');
	await expect(compare).toBeVisible();
	const differing = compare.getByTestId('differing-cases');
	await expect(differing.locator(':scope > li')).toHaveCount(1);
	await expect(differing.locator('summary')).toContainText('qwen2.5:0.5b');
	await differing.locator('summary', { hasText: /flaky/ }).click();
	await expect(differing.getByTestId('case-detail')).toHaveCount(2);
	expect(await seriousViolations(page)).toEqual([]);

	// The web search ran its real code against the eval's offline web: nothing went out.
	expect(outside).toEqual([]);
	await page.keyboard.press('Escape');
	await page.getByRole('button', { name: /Privacy ledger/ }).click();
	await expect(page.getByTestId('ledger-empty')).toBeVisible();
	// The eval's conversations are not the person's.
	await page.keyboard.press('Escape');
	await expect(page.getByRole('navigation').getByText('Please say PASS-7')).toHaveCount(0);
});

test('answers are recorded, rated, made into cases, and charted with tables that pass axe', async ({
	page
}) => {
	test.setTimeout(120_000);
	await openHearth(page);
	await send(page, 'First question');
	await lastAnswerDone(page);
	await send(page, 'Second question [[error]]');
	await lastAnswerDone(page);

	// Thumbs down with a reason, and the answer made into an eval case in the same step.
	const first = answers(page).first();
	await first.getByRole('button', { name: 'Bad answer' }).click();
	await first.getByLabel('What was wrong?').fill('Just repeated me');
	await first.getByLabel('The right answer should').fill('Answer');
	await first.getByRole('button', { name: 'Save' }).click();
	await expect(page.getByText('Added to your eval set “My cases”')).toBeVisible();
	await expect(first.getByRole('button', { name: 'Bad answer' })).toHaveAttribute(
		'aria-pressed',
		'true'
	);

	await page.getByRole('button', { name: /Evals and metrics/ }).click();
	const dialog = page.getByTestId('quality-dialog');
	await expect(dialog.getByTestId('my-cases')).toContainText('First question');
	await dialog.getByRole('tab', { name: 'Metrics' }).click();
	const dashboard = dialog.getByTestId('metrics-dashboard');
	await expect(dashboard.getByTestId('metrics-totals')).toContainText(/Answers\s*2\b/);
	await expect(dashboard.getByTestId('metrics-complaints')).toContainText('Just repeated me');
	for (const chart of ['answers', 'first-token', 'speed', 'errors', 'tools', 'feedback']) {
		const figure = dashboard.getByTestId(`chart-${chart}`);
		await expect(figure.locator('canvas')).toBeVisible();
		// Drawn: Chart.js took the canvas over (it sizes it itself; a bare canvas has no style).
		await expect
			.poll(() => figure.locator('canvas').evaluate((c: HTMLCanvasElement) => c.style.boxSizing))
			.toBe('border-box');
	}
	// The table alternative holds the same numbers.
	const errors = dashboard.getByTestId('chart-errors');
	await errors.getByText('Show as a table').click();
	await expect(errors.locator('table')).toContainText('engine_http');
	expect(await seriousViolations(page)).toEqual([]);

	// Back from the Evals tab, the charts are the ones already drawn: kept, not built again.
	const answersCanvas = dashboard.getByTestId('chart-answers').locator('canvas');
	await answersCanvas.evaluate((c: HTMLCanvasElement) => (c.dataset.kept = 'yes'));
	await dialog.getByRole('tab', { name: 'Evals' }).click();
	await expect(dashboard).toBeHidden();
	await dialog.getByRole('tab', { name: 'Metrics' }).click();
	await expect(answersCanvas).toBeVisible();
	await expect(answersCanvas).toHaveAttribute('data-kept', 'yes');
	expect(await answersCanvas.evaluate((c: HTMLCanvasElement) => c.width)).toBeGreaterThan(0);

	// Filter by a model with no answers: nothing to show.
	await dashboard.getByTestId('metrics-model').selectOption({ index: 0 });
	const download = page.waitForEvent('download');
	await dashboard.getByRole('button', { name: 'Export CSV (daily)' }).click();
	const csv = await (await download).path();
	expect(csv).toBeTruthy();

	// Off: a new answer is not recorded.
	await dashboard.getByTestId('metrics-recording').uncheck();
	await page.keyboard.press('Escape');
	await send(page, 'Third question');
	await lastAnswerDone(page);
	await page.getByRole('button', { name: /Evals and metrics/ }).click();
	await expect(dashboard.getByTestId('metrics-totals')).toContainText(/Answers\s*2\b/);
});
