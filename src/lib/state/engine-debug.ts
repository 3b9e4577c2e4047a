import { schemaProblem } from '$lib/agent/json-schema-check';
import { parseSchemaReply, responseSchema, toolPrompt } from '$lib/agent/schema-mode';
import { parseArguments } from '$lib/agent/validate';
import type { ChatMessage, GenerationOptions, LlmEngine, Usage } from '$lib/engine/types';
import type { GgufLoaded } from '$lib/protocol/gguf';
import type { EngineState } from '$lib/state/engine.svelte';
import type { ToolRegistry } from '$lib/tools/registry';
import { toHearthError } from '$lib/types/errors';
import type { SerializedError } from '$lib/types/errors';
import type { FinishReason, Timings } from '$lib/types/llm';
import type { JsonSchema } from '$lib/types/tools';

/** One generation as the hook reports it: failures are data, so page.evaluate keeps the code. */
export type EngineDebugChat =
	| {
			ok: true;
			text: string;
			finishReason: FinishReason;
			usage?: Usage;
			timings: Timings;
			/** performance.now() when the first and the last text arrived (bench/gguf.js's clock). */
			firstTextAt?: number;
			lastTextAt?: number;
	  }
	| { ok: false; text: string; error: SerializedError };

/**
 * `window.__hearthEngine`: how tests/e2e/gguf.spec.ts and bench/gguf.js drive the app's own
 * in-browser engine in the built app (the chunks are hashed and minified, so there is no module
 * a test could import). It can do nothing the page's own scripts could not, and starts nothing
 * until called.
 */
export interface EngineDebugHook {
	/** One generation through the engine and model the chain picks (or the given model). */
	chat(request: {
		model?: string;
		messages: ChatMessage[];
		options?: GenerationOptions;
		responseSchema?: JsonSchema;
	}): Promise<EngineDebugChat>;
	/** Where the loaded GGUF model runs: device, threads, context (undefined before a load). */
	ggufLoaded(): GgufLoaded | undefined;
	/** Schema mode over every real tool: the reply schema and the system-prompt part. */
	toolProtocol(): Promise<{ schema: JsonSchema; prompt: string; tools: string[] }>;
	/**
	 * A schema-mode reply checked twice. `ok`: it parses and matches the schema the grammar was
	 * given (the structure, types, required fields and enums llama.cpp enforces). `toolOk`: its
	 * arguments also pass the tool's own checks (valibot refinements such as "a time Hearth can
	 * read", which no grammar can enforce; the agent's repair turn handles those).
	 */
	checkStep(
		text: string,
		schema: JsonSchema
	): Promise<{ ok: boolean; kind?: string; tool?: string; toolOk: boolean; error?: string }>;
}

export interface EngineDebugDeps {
	engine: EngineState;
	registry: () => Promise<ToolRegistry>;
	/** Where the loaded GGUF model runs (device, threads), once one is loaded. */
	ggufLoaded: () => GgufLoaded | undefined;
}

function hook(deps: EngineDebugDeps): EngineDebugHook {
	return {
		async chat(request) {
			let text = '';
			let firstTextAt: number | undefined;
			let lastTextAt: number | undefined;
			try {
				const choice = await deps.engine.choose(
					request.model ? { engine: 'webllm', model: request.model } : null
				);
				const engine: LlmEngine = choice.engine;
				for await (const delta of engine.chat({
					model: choice.model,
					messages: request.messages,
					options: request.options,
					...(request.responseSchema ? { responseSchema: request.responseSchema } : {})
				})) {
					if (delta.type === 'text') {
						text += delta.text;
						lastTextAt = performance.now();
						firstTextAt ??= lastTextAt;
					}
					if (delta.type === 'done') {
						return {
							ok: true,
							text,
							finishReason: delta.finishReason,
							usage: delta.usage,
							timings: delta.timings,
							firstTextAt,
							lastTextAt
						};
					}
				}
				return { ok: false, text, error: { code: 'engine_stream_broken', message: 'No done.' } };
			} catch (e) {
				return { ok: false, text, error: toHearthError(e).toJSON() };
			}
		},
		ggufLoaded: () => deps.ggufLoaded(),
		async toolProtocol() {
			const registry = await deps.registry();
			const specs = registry.specs();
			return {
				schema: responseSchema(specs),
				prompt: toolPrompt(specs),
				tools: specs.map((s) => s.name)
			};
		},
		async checkStep(text, schema) {
			let value: unknown;
			try {
				value = JSON.parse(text);
			} catch (e) {
				const error = `not JSON: ${e instanceof Error ? e.message : 'unreadable'}`;
				return { ok: false, toolOk: false, error };
			}
			const problem = schemaProblem(value, schema);
			if (problem) return { ok: false, toolOk: false, error: problem };
			const reply = parseSchemaReply(text);
			if (reply.kind === 'invalid') return { ok: false, toolOk: false, error: reply.error };
			if (reply.kind === 'answer') return { ok: true, kind: 'answer', toolOk: true };
			const tool = (await deps.registry()).get(reply.tool);
			if (!tool) return { ok: false, toolOk: false, error: `No tool named ${reply.tool}.` };
			const args = parseArguments(tool, reply.argumentsText);
			return {
				ok: true,
				kind: 'call',
				tool: tool.name,
				toolOk: args.ok,
				...(args.ok ? {} : { error: args.error })
			};
		}
	};
}

/** Installs `window.__hearthEngine` (see EngineDebugHook). */
export function exposeEngineDebugHook(deps: EngineDebugDeps, target: object = globalThis): void {
	(target as { __hearthEngine?: EngineDebugHook }).__hearthEngine = hook(deps);
}
