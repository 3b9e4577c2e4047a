import { afterAll, beforeAll, expect } from 'vitest';
import { TOOL_RESULTS_PREFIX } from '../../../tests/fixtures/fixture-replies.js';
import { collectChat } from '$lib/engine/contract';
import { lastDone } from '$lib/engine/engine-test-kit';
import type { ChatDelta, ChatRequest, LlmEngine } from '$lib/engine/types';
import type { ProposedToolCall, ToolSpec } from '$lib/types/tools';

// Helpers the server engines' tool-calling tests share (Ollama, OpenAI-compatible). Test-only:
// nothing under src/ outside *.test.ts may import this file.

/** The one tool the tool-calling tests offer. */
export const SEARCH_TOOL: ToolSpec = {
	name: 'web_search',
	description: 'Searches the web.',
	parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] }
};

/** The tool calls among `deltas`, in order. */
export const toolCallsOf = (deltas: ChatDelta[]): ProposedToolCall[] =>
	deltas.flatMap((d) => (d.type === 'tool_call' ? [d.call] : []));

interface RecordingFixture {
	url: string;
	requests: { path: string; body: unknown }[];
	close: () => Promise<void>;
}

/** A fixture and an engine on it, alive for the enclosing describe. */
export interface EngineOnFixture<E extends LlmEngine> {
	readonly engine: E;
	/** The JSON body of the last request to `chatPath`. */
	lastBody: () => Record<string, unknown>;
}

/** Starts a fixture and an engine on it before the enclosing describe; disposes both after. */
export function useEngineOnFixture<E extends LlmEngine>(
	start: () => Promise<RecordingFixture>,
	engineAt: (baseUrl: string) => E,
	chatPath: string
): EngineOnFixture<E> {
	let fixture: RecordingFixture | undefined;
	let engine: E | undefined;
	beforeAll(async () => {
		fixture = await start();
		engine = engineAt(fixture.url);
	});
	afterAll(async () => {
		await engine?.dispose();
		await fixture?.close();
	});
	return {
		get engine() {
			if (!engine) throw new Error('the engine starts in beforeAll');
			return engine;
		},
		lastBody: () =>
			fixture?.requests.filter((r) => r.path === chatPath).at(-1)?.body as Record<string, unknown>
	};
}

/**
 * Drives a multi-step exchange: each reply must be tool calls ending in `tool_calls` (checked
 * further by `checkStep`), answered with the next of `results`; the last reply must be text
 * quoting every result, ending in `stop`. `request.messages` grows with the history.
 */
export async function expectToolExchange(
	engine: LlmEngine,
	request: ChatRequest,
	results: string[],
	checkStep: (
		calls: ProposedToolCall[],
		done: Extract<ChatDelta, { type: 'done' }>,
		step: number
	) => void
): Promise<void> {
	for (const [step, content] of results.entries()) {
		const { deltas, error } = await collectChat(engine, request);
		expect(error).toBeUndefined();
		const calls = toolCallsOf(deltas);
		const done = lastDone(deltas);
		expect(done.finishReason).toBe('tool_calls');
		checkStep(calls, done, step);
		request.messages.push(
			{ role: 'assistant', content: '', toolCalls: calls },
			{ role: 'tool', content, toolCallId: calls[0]?.id, toolName: SEARCH_TOOL.name }
		);
	}
	const { text, deltas } = await collectChat(engine, request);
	expect(text).toBe(`${TOOL_RESULTS_PREFIX}${results.join(' | ')}`);
	expect(lastDone(deltas).finishReason).toBe('stop');
}
