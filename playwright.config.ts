import { defineConfig } from '@playwright/test';

const CHROMIUM_ARGS = [
	'--headless=new',
	'--no-sandbox',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--enable-unsafe-webgpu'
];

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
			executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
			args: CHROMIUM_ARGS
		},
		trace: 'off'
	}
});
