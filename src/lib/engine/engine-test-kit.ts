import { createServer } from 'node:net';
import { expect } from 'vitest';
import { collectChat, describeEngineContract } from '$lib/engine/contract';
import type { ChatDelta, ChatRequest, LlmEngine } from '$lib/engine/types';
import { HearthError } from '$lib/types/errors';

// Helpers the server-engine tests share (Ollama, OpenAI-compatible, retry). Test-only: nothing
// under src/ outside *.test.ts may import this file.

/** The prompts the contract suite needs, as directives both fixture servers understand. */
export const FIXTURE_PROMPTS = {
	ok: 'Hello there, how are you?',
	slow: 'Tell me a long story [[slow]]',
	serverError: 'Crash now [[error]]',
	malformed: 'Break the stream [[malformed]]',
	drop: 'Hang up [[drop]]',
	toolCall: 'Look it up [[tool:lookup {"query":"hearth"}]]',
	structured: 'Describe a city as JSON.'
};

/** A port nothing listens on: bind an ephemeral one, then release it. */
export async function closedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	const port = typeof address === 'object' && address !== null ? address.port : 0;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

/** A base URL nothing answers at. */
export async function unreachableUrl(): Promise<string> {
	return `http://127.0.0.1:${await closedPort()}`;
}

/** A one-message chat request to `model`. */
export function askModel(model: string, content: string): ChatRequest {
	return { model, messages: [{ role: 'user', content }] };
}

/** A request that sets every generation option, for the tests of how each engine maps them. */
export function requestWithOptions(model: string): ChatRequest {
	return {
		model,
		messages: [
			{ role: 'system', content: 'Be brief.' },
			{ role: 'user', content: 'Hi' }
		],
		options: { temperature: 0.2, topP: 0.9, maxTokens: 50, stop: ['\n\n'] }
	};
}

/** The final `done` delta, failing the test if the stream did not end with one. */
export function lastDone(deltas: ChatDelta[]): Extract<ChatDelta, { type: 'done' }> {
	const done = deltas.at(-1);
	if (done?.type !== 'done') throw new Error(`expected a final done, got ${JSON.stringify(done)}`);
	return done;
}

/** Asserts that `error` is a HearthError and returns it typed. */
export function hearth(error: unknown): HearthError {
	expect(error).toBeInstanceOf(HearthError);
	return error as HearthError;
}

/** A fetch that answers every call with one canned response, for cases a fixture cannot stage. */
export function cannedFetch(make: () => Response): typeof fetch {
	return async () => make();
}

/** What `abortAfterTexts` saw: the chat's error, and every text delta (those after the abort too). */
export interface AbortedRun {
	error: unknown;
	texts: number;
}

/** Chats, aborting through the caller's signal once `count` text deltas have arrived. */
export async function abortAfterTexts(
	engine: LlmEngine,
	request: ChatRequest,
	count: number
): Promise<AbortedRun> {
	const controller = new AbortController();
	let texts = 0;
	const { error } = await collectChat(engine, request, controller.signal, (d) => {
		if (d.type === 'text' && ++texts === count) controller.abort();
	});
	return { error, texts };
}

/** Chats, calling the engine's dispose() at the first text delta; returns the chat's error. */
export async function disposeMidChat(engine: LlmEngine, request: ChatRequest): Promise<unknown> {
	const { error } = await collectChat(engine, request, undefined, (d) => {
		if (d.type === 'text') void engine.dispose();
	});
	return error;
}

/** How to run the engine contract against an engine of one kind and its fixture server. */
export interface FixtureContract {
	/** Starts the fixture server; its `url` has no trailing slash. */
	start: () => Promise<{ url: string; close: () => Promise<void> }>;
	/** An engine of the kind under test for a base URL (the fixture's, or one nothing answers). */
	engineAt: (baseUrl: string) => LlmEngine;
	model: string;
	missingModel: string;
	serverErrorMessage?: string;
}

/** `describeEngineContract` for a server engine, with the directives both fixtures share. */
export function describeFixtureContract(name: string, contract: FixtureContract): void {
	describeEngineContract(name, async () => {
		const fixture = await contract.start();
		return {
			engine: contract.engineAt(fixture.url),
			model: contract.model,
			prompts: FIXTURE_PROMPTS,
			serverErrorMessage: contract.serverErrorMessage,
			missingModel: contract.missingModel,
			unreachableEngine: async () => contract.engineAt(await unreachableUrl()),
			close: () => fixture.close()
		};
	});
}
