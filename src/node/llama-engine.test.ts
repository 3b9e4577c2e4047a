import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Llama } from 'node-llama-cpp';
import { collectChat, CONTRACT_SCHEMA, describeEngineContract } from '$lib/engine/contract';
import type { ChatDelta, ChatRequest } from '$lib/engine/types';
import { HearthError } from '$lib/types/errors';
import { LlamaCppEngine } from './llama-engine';
import { toChatHistory } from './llama-prompt';
import { pickThreads } from './llama-files';
import { sharedMissing } from '../../tests/fixtures/ci.js';

// The real engine on a real model: stories260K (llama.cpp's own CI model) through node-llama-cpp,
// one thread (llama.cpp threads spin-wait: more than the free cores is far slower).

const MODEL_FILE = path.resolve(process.cwd(), '../shared/models/gguf/stories260K.gguf');
const MODEL = 'stories260K.gguf';
const HAVE_MODEL = existsSync(MODEL_FILE);
const CONTEXT = 512;

// Loading the native runtime takes seconds on a busy machine; the model itself is 1 MB.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

function engine(overrides: Partial<ConstructorParameters<typeof LlamaCppEngine>[0]> = {}) {
	return new LlamaCppEngine({
		files: [MODEL_FILE],
		threads: 1,
		contextSize: CONTEXT,
		...overrides
	});
}

function ask(content: string, options?: ChatRequest['options']): ChatRequest {
	return { model: MODEL, messages: [{ role: 'user', content }], options };
}

function done(deltas: ChatDelta[]): Extract<ChatDelta, { type: 'done' }> {
	const last = deltas.at(-1);
	if (last?.type !== 'done') throw new Error(`expected done last, got ${JSON.stringify(last)}`);
	return last;
}

function codeOf(error: unknown): string {
	expect(error).toBeInstanceOf(HearthError);
	return (error as HearthError).code;
}

if (!HAVE_MODEL) {
	describe('LlamaCppEngine', () => {
		// Under CI (any CI value, see tests/fixtures/ci.js) a missing model fails, not skips.
		it('needs ../shared/models/gguf/stories260K.gguf', (ctx) => {
			ctx.skip(sharedMissing(MODEL_FILE));
		});
	});
} else {
	describeEngineContract('LlamaCppEngine (stories260K)', async () => ({
		engine: engine(),
		model: MODEL,
		prompts: {
			ok: 'Once upon a time',
			slow: 'Tell me a long story about a dragon and a princess.',
			structured: 'Describe a city as JSON.'
		},
		missingModel: 'no-such-model.gguf',
		// The runtime package missing (a lean install before first use) is this engine's
		// "cannot reach the backend".
		unreachableEngine: () =>
			engine({
				runtime: () => Promise.reject(new Error("Cannot find package 'node-llama-cpp'"))
			}),
		close: async () => {}
	}));

	describe('LlamaCppEngine on stories260K', () => {
		let subject: LlamaCppEngine;
		let llama: Llama;
		let work: string;

		beforeAll(async () => {
			subject = engine();
			const { getLlama } = await import('node-llama-cpp');
			llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
			work = await mkdtemp(path.join(tmpdir(), 'hearth-gguf-'));
		});
		afterAll(async () => {
			await subject?.dispose();
			await llama?.dispose();
			await rm(work, { recursive: true, force: true });
		});

		/** Greedy text from node-llama-cpp alone for exactly this prompt text, as llama.cpp tokenises it. */
		async function reference(promptText: string, maxTokens: number): Promise<string> {
			const { LlamaCompletion } = await import('node-llama-cpp');
			const model = await llama.loadModel({ modelPath: MODEL_FILE, gpuLayers: 0 });
			const context = await model.createContext({ contextSize: CONTEXT, threads: 1 });
			try {
				const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
				const tokens = [...model.tokenize('BOS', 'builtin'), ...model.tokenize(promptText, true)];
				return await completion.generateCompletion(tokens, { temperature: 0, maxTokens });
			} finally {
				await context.dispose();
				await model.dispose();
			}
		}

		it('is the real model: raw "Once upon a time" continues as its manifest says', async () => {
			const { LlamaCompletion } = await import('node-llama-cpp');
			const model = await llama.loadModel({ modelPath: MODEL_FILE, gpuLayers: 0 });
			const context = await model.createContext({ contextSize: CONTEXT, threads: 1 });
			const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
			const text = await completion.generateCompletion('Once upon a time', {
				temperature: 0,
				maxTokens: 24
			});
			await context.dispose();
			await model.dispose();
			expect(text.startsWith(', there was a little girl named Lily.')).toBe(true);
		});

		it('answers with the greedy text llama.cpp gives for the ChatML prompt (no template in the GGUF)', async () => {
			// What llama.cpp (and so wllama in the browser) renders for a template-less model.
			const chatml = '<|im_start|>user\nOnce upon a time<|im_end|>\n<|im_start|>assistant\n';
			const expected = await reference(chatml, 40);
			expect(expected.length).toBeGreaterThan(20);
			const { text, deltas, error } = await collectChat(
				subject,
				ask('Once upon a time', { temperature: 0, maxTokens: 40 })
			);
			expect(error).toBeUndefined();
			expect(text).toBe(expected);
			expect(deltas.filter((d) => d.type === 'text').length).toBeGreaterThan(5);
			const final = done(deltas);
			expect(final.finishReason).toBe('length');
			expect(final.usage?.completionTokens).toBe(40);
			// BOS + the ChatML text, tokenised whole.
			expect(final.usage?.promptTokens).toBe(46);
			expect(final.timings.decodeTokensPerSecond).toBeGreaterThan(0);
		});

		it('reuses the evaluated prompt for the next turn and says so (cached tokens)', async () => {
			const first = await collectChat(
				subject,
				ask('The cat sat', { temperature: 0, maxTokens: 5 })
			);
			const second = await collectChat(
				subject,
				ask('The cat sat', { temperature: 0, maxTokens: 5 })
			);
			expect(second.text).toBe(first.text);
			const usage = done(second.deltas).usage;
			expect(usage?.cachedPromptTokens).toBe(usage?.promptTokens);
			expect(done(first.deltas).usage?.cachedPromptTokens).toBeLessThan(
				done(first.deltas).usage?.promptTokens ?? 0
			);
		});

		it('stops at a stop sequence, and continues a trailing assistant turn', async () => {
			const full = await collectChat(
				subject,
				ask('Once upon a time', { temperature: 0, maxTokens: 40 })
			);
			const word = full.text.match(/[A-Za-z]{4,}/)?.[0];
			expect(word).toBeDefined();
			const cut = await collectChat(
				subject,
				ask('Once upon a time', { temperature: 0, maxTokens: 40, stop: [word!] })
			);
			expect(cut.text).toBe(full.text.slice(0, full.text.indexOf(word!)));
			expect(done(cut.deltas).finishReason).toBe('stop');

			const head = full.text.slice(0, 12);
			const continued = await collectChat(subject, {
				model: MODEL,
				messages: [
					{ role: 'user', content: 'Once upon a time' },
					{ role: 'assistant', content: head }
				],
				options: { temperature: 0, maxTokens: 10 }
			});
			expect(full.text.startsWith(head + continued.text)).toBe(true);
		});

		it('builds the same ChatML history the browser engines send (tool results as user turns)', () => {
			expect(
				toChatHistory([
					{ role: 'system', content: 'Be kind.' },
					{ role: 'user', content: 'Look it up' },
					{
						role: 'assistant',
						content: '',
						toolCalls: [{ id: 'c1', name: 'lookup', argumentsText: '{"query":"x"}' }]
					},
					{ role: 'tool', content: 'RESULT', toolCallId: 'c1', toolName: 'lookup' }
				])
			).toEqual([
				{ type: 'system', text: 'Be kind.' },
				{ type: 'user', text: 'Look it up' },
				{
					type: 'model',
					response: ['{"action":"call","tool":"lookup","arguments":{"query":"x"}}']
				},
				{ type: 'user', text: 'Tool result (lookup):\nRESULT' },
				{ type: 'model', response: [] }
			]);
		});

		it("holds a schema-mode tool call to the agent's action schema", async () => {
			const schema = {
				type: 'object',
				properties: {
					action: { const: 'call' },
					tool: { const: 'calculator' },
					arguments: {
						type: 'object',
						properties: { expression: { type: 'string' } },
						required: ['expression']
					}
				},
				required: ['action', 'tool', 'arguments']
			};
			const { text, error } = await collectChat(subject, {
				...ask('What is 17 * 23?', { temperature: 0, maxTokens: 200 }),
				responseSchema: schema
			});
			expect(error).toBeUndefined();
			const call = JSON.parse(text) as Record<string, unknown>;
			expect(call).toMatchObject({ action: 'call', tool: 'calculator' });
			expect(typeof (call.arguments as { expression: unknown }).expression).toBe('string');
			const city = await collectChat(subject, {
				...ask('A city'),
				responseSchema: CONTRACT_SCHEMA
			});
			expect(Number.isInteger((JSON.parse(city.text) as { population: number }).population)).toBe(
				true
			);
		});

		it("counts tokens with the model's own tokenizer", async () => {
			const texts = ['Once upon a time', '', 'Lily'];
			const model = await llama.loadModel({ modelPath: MODEL_FILE, gpuLayers: 0 });
			const expected = texts.map((t) => model.tokenize(t).length);
			await model.dispose();
			expect(await subject.countTokens(MODEL, texts)).toEqual(expected);
			expect(expected[0]).toBe(4);
			// With the model loaded, counting does not queue behind an answer being generated
			// (every API request counts its history before it asks for its answer).
			const order: string[] = [];
			const answering = (async () => {
				for await (const delta of subject.chat(ask('Once upon a time', { maxTokens: 48 }))) {
					if (delta.type === 'text' && order.length === 0) {
						order.push('first token');
						void subject.countTokens(MODEL, texts).then((counts) => {
							expect(counts).toEqual(expected);
							order.push('counted');
						});
					}
				}
				order.push('answered');
			})();
			await answering;
			expect(order).toEqual(['first token', 'counted', 'answered']);
		});

		it('lists the GGUF with its name, size, family and context length', async () => {
			const [info] = await subject.listModels();
			expect(info).toMatchObject({
				id: MODEL,
				sizeBytes: 1185376,
				family: 'llama',
				contextLength: 2048
			});
			expect(subject.label).toBe('llama.cpp on this computer (CPU, 1 thread)');
		});

		it('refuses a prompt longer than the window with context_overflow, and still answers after', async () => {
			// llama.cpp's smallest window is 256 tokens.
			const small = engine({ contextSize: 256 });
			try {
				const { error, deltas } = await collectChat(small, ask('word '.repeat(200)));
				expect(codeOf(error)).toBe('context_overflow');
				expect((error as HearthError).message).toMatch(
					/tokens; stories260K\.gguf has room for 256 here/
				);
				expect(deltas).toEqual([]);
				const after = await collectChat(small, ask('Hi', { maxTokens: 3 }));
				expect(after.error).toBeUndefined();
			} finally {
				await small.dispose();
			}
		});

		// A truncated file is refused from its header before llama.cpp sees it: when llama.cpp
		// itself refused one, node-llama-cpp now and then stopped for good afterwards.
		it(
			'explains a missing file, a file that is not GGUF, a truncated one and one too big for memory',
			{ timeout: 60_000 },
			async () => {
				const text = path.join(work, 'notes.gguf');
				await writeFile(text, 'just some text, not a model\n');
				const truncated = path.join(work, 'truncated.gguf');
				await writeFile(truncated, (await readFile(MODEL_FILE)).subarray(0, 600_000));
				const copy = path.join(work, 'copy.gguf');
				await copyFile(MODEL_FILE, copy);
				const cases: [
					ChatRequest['model'],
					string,
					Partial<ConstructorParameters<typeof LlamaCppEngine>[0]>
				][] = [
					[path.join(work, 'gone.gguf'), 'model_not_found', {}],
					[text, 'model_corrupt', {}],
					[truncated, 'model_corrupt', {}],
					[copy, 'model_unsupported', { memoryBytes: 512 * 1024 }]
				];
				for (const [model, code, overrides] of cases) {
					const broken = engine({ files: [], ...overrides });
					try {
						const { error } = await collectChat(broken, {
							model,
							messages: [{ role: 'user', content: 'Hi' }]
						});
						expect(codeOf(error), `${model}: ${String(error)}`).toBe(code);
						if (model === truncated) {
							expect(String(error)).toMatch(/is incomplete: it has 600 KB of the 1\.\d+ MB/);
						}
					} finally {
						await broken.dispose();
					}
				}
				// The same engine still answers with a good file after a bad one.
				const mixed = engine({ files: [truncated, MODEL_FILE] });
				try {
					expect((await collectChat(mixed, ask('Hi', { maxTokens: 2 }))).error).toBeUndefined();
					const bad = await collectChat(mixed, { ...ask('Hi'), model: 'truncated.gguf' });
					expect(codeOf(bad.error)).toBe('model_corrupt');
					const good = await collectChat(mixed, ask('Hi', { maxTokens: 2 }));
					expect(good.error).toBeUndefined();
				} finally {
					await mixed.dispose();
				}
			}
		);
	});
}

describe('pickThreads', () => {
	it('takes half the cores, at least one, at most eight, and says why', () => {
		expect(pickThreads(1).threads).toBe(1);
		expect(pickThreads(2).threads).toBe(1);
		expect(pickThreads(8).threads).toBe(4);
		expect(pickThreads(64).threads).toBe(8);
		expect(pickThreads(8).reason).toMatch(
			/^4 threads for llama\.cpp: half of this computer's 8 cores/
		);
	});
});
