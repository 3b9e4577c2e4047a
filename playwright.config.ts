import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './scripts/chromium.js';

export default defineConfig({
	testDir: 'tests/e2e',
	testMatch: '*.spec.ts',
	globalSetup: './tests/e2e/global-setup.ts',
	fullyParallel: true,
	workers: 2,
	retries: 0,
	timeout: 60_000,
	expect: { timeout: 10_000 },
	reporter: [['list'], ['json', { outputFile: '.test-reports/e2e.json' }]],
	use: {
		baseURL: process.env.HEARTH_E2E_URL,
		headless: true,
		serviceWorkers: 'allow',
		launchOptions: {
			executablePath: CHROMIUM_PATH,
			args: CHROMIUM_ARGS
		},
		trace: 'off'
	}
});
