import { existsSync } from 'node:fs';
import path from 'node:path';
import { startServer } from '../../scripts/serve.js';
import { sharedMissing } from '../fixtures/ci.js';
import { startOllamaFixture } from '../fixtures/ollama-fixture.js';
import { startOpenAiFixture } from '../fixtures/openai-fixture.js';
import { startToolsFixture } from '../fixtures/tools-fixture.js';

/**
 * Serves the production build with the project's own server and starts the fake Ollama and
 * OpenAI-compatible servers, and the fake web services the tools talk to.
 * Their URLs reach the tests through the environment (workers inherit it).
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
	if (!existsSync('build/index.html')) {
		throw new Error('No production build: run `npm run build` before the e2e tests.');
	}
	// The generated test embedding model is served under /models/ (as a LAN deployment would
	// serve real ones), so knowledge and memory run their real embedding path.
	const models = path.resolve('../shared/models');
	if (!existsSync(models)) sharedMissing(models);
	process.env.HEARTH_E2E_MODELS = existsSync(models) ? 'yes' : '';
	const app = await startServer({
		dir: 'build',
		port: 0,
		quiet: true,
		...(existsSync(models) ? { modelsDir: models } : {})
	});
	const ollama = await startOllamaFixture({ allowedOrigins: [app.url], chunkDelayMs: 5 });
	const openai = await startOpenAiFixture({
		allowedOrigins: [app.url],
		apiKey: 'sk-e2e-key',
		chunkDelayMs: 5
	});
	// SearXNG, Wikipedia, Open-Meteo and web pages, shaped like the real services.
	const tools = await startToolsFixture();
	process.env.HEARTH_E2E_TOOLS = JSON.stringify({ settings: tools.settings, pages: tools.url });
	process.env.HEARTH_E2E_URL = app.url;
	process.env.HEARTH_E2E_OLLAMA = ollama.url;
	process.env.HEARTH_E2E_OPENAI = openai.url;
	return async () => {
		await Promise.all([app.close(), ollama.close(), openai.close(), tools.close()]);
	};
}
