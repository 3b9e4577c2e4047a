import type { EngineChooser } from '$lib/conversation/ports';
import { OpenAiEngine } from '$lib/engine/openai';
import { DEFAULT_SETTINGS } from '$lib/types/settings';
import { SqliteChatStore } from '../../node/sqlite-chat-store';
import { startServe } from '../serve';

// `hearth serve` as its own process, composed like the runtime does (the SQLite store in
// HEARTH_HOME) over the OpenAI-compatible fixture at HEARTH_TEST_OPENAI. serve-crash.test.ts
// kills it with SIGKILL mid-answer and starts it again. Test-only.

const url = process.env.HEARTH_TEST_OPENAI;
if (!url) throw new Error('HEARTH_TEST_OPENAI must name the fixture server');
const engine = new OpenAiEngine({ baseUrl: url, origin: 'http://127.0.0.1' });
const engines: EngineChooser = {
	choose: async (pin) => ({ kind: 'openai', engine, model: pin?.model ?? 'qwen2.5-0.5b-instruct' }),
	modelInfo: () => undefined
};
try {
	await startServe(process.argv.slice(2), {
		compose: async (_config, paths) => {
			const store = await SqliteChatStore.open(paths.databaseFile);
			return {
				store,
				engines,
				models: async () => [{ id: 'qwen2.5-0.5b-instruct', kind: 'openai' }],
				settings: () => ({
					...DEFAULT_SETTINGS,
					agentRouting: false,
					autoTitle: false,
					proposeMemories: false,
					useMemories: false
				}),
				dispose: async () => store.close()
			};
		}
	});
} catch (e) {
	process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
	process.exit(1);
}
