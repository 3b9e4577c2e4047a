// The agent loop: the model proposes tool calls, Hearth checks and runs them (asking the user
// where it must), feeds the results back, and repeats until the model answers or a limit is hit.
import { abortedError, throwIfAborted } from '$lib/agent/abort';
import { AnswerMeter } from '$lib/agent/answer-meter';
import { flattenToolTurns, resultMessage, withSystem } from '$lib/agent/agent-messages';
import { EventChannel } from '$lib/agent/event-channel';
import {
	ANSWER_NOW,
	callText,
	parseSchemaReply,
	responseSchema,
	toolPrompt
} from '$lib/agent/schema-mode';
import { callGate } from '$lib/agent/taint';
import { cancelRunningCall, performCall, reportFailedCall } from '$lib/agent/tool-call';
import type { CallHost } from '$lib/agent/tool-call';
import { UNTRUSTED_RULE, untrustedSource } from '$lib/agent/untrusted';
import { parseArguments } from '$lib/agent/validate';
import type { ChatRequest, LlmEngine } from '$lib/engine/types';
import { createRegistry, toolSpec } from '$lib/tools/registry';
import type { ToolRegistry } from '$lib/tools/registry';
import type { AnyTool, ToolContext } from '$lib/tools/types';
import { HearthError, toHearthError } from '$lib/types/errors';
import type { ChatMessage, FinishReason, GenerationOptions, Timings, Usage } from '$lib/types/llm';
import type {
	JsonSchema,
	ProposedToolCall,
	ToolCallRecord,
	ToolDecision,
	ToolSpec
} from '$lib/types/tools';

export interface AgentRunInput {
	engine: LlmEngine;
	model: string;
	/** System prompt + history, already fitted to the window. */
	messages: ChatMessage[];
	options?: GenerationOptions;
	/** Already filtered to the tools enabled for this agent; empty = a plain streamed reply. */
	tools: AnyTool[];
	limits: { maxSteps: number; maxCalls: number };
	/** The user's latest message: a network call whose arguments it spells out needs no yes. */
	userText: string;
	/**
	 * True when `messages` already hold untrusted text (retrieved documents, attachments): network
	 * calls then need the user's yes from the first step.
	 */
	tainted?: boolean;
	/**
	 * Where that untrusted text came from (agent/untrusted-origins.ts); non-empty means tainted.
	 * Tools that leave something lasting record it (a memory's provenance).
	 */
	untrustedSources?: readonly string[];
	context: Omit<ToolContext, 'signal' | 'onOutput' | 'onProgress' | 'onReview' | 'ask'>;
	/**
	 * Side-effect calls, and network calls after untrusted text: true to run it, or the edited
	 * arguments of a call the person reviewed (validated again before it runs).
	 */
	confirm(record: ToolCallRecord): Promise<ToolDecision>;
	/** A running tool asks the user something (shown on its card). */
	ask(record: ToolCallRecord, question: string): Promise<boolean>;
	signal: AbortSignal;
}

/** Why the loop stopped offering tools before the model was done with them. */
export type AgentLimit = 'steps' | 'calls';

export type AgentEvent =
	| { type: 'text'; text: string }
	/** A new card. */
	| { type: 'call'; record: ToolCallRecord }
	| { type: 'call-update'; id: string; patch: Partial<ToolCallRecord> }
	| {
			type: 'done';
			finishReason: FinishReason;
			/** Summed over every request of the answer; absent when the engine reported none. */
			usage?: Usage;
			timings: Timings;
			/** Model steps that could call tools (1 for a plain reply). */
			steps: number;
			limit?: AgentLimit;
	  };

/**
 * One answer in progress. Iterate it once for the events; a stopped answer (input.signal, or
 * leaving the loop early) ends the iteration with HearthError('aborted') after its running cards
 * are marked cancelled. Other failures of the engine end it with their HearthError.
 */
export interface AgentRun extends AsyncIterable<AgentEvent> {
	/** Stops one running call (the card's cancel); the model is told. False if it is not running. */
	cancelCall(id: string): boolean;
}

export function runAgent(input: AgentRunInput): AgentRun {
	const stop = new AbortController();
	const channel = new EventChannel<AgentEvent>(() => stop.abort());
	const controllers = new Map<string, AbortController>();
	let started = false;
	return {
		[Symbol.asyncIterator]() {
			if (!started) {
				started = true;
				const host: CallHost = {
					input,
					runSignal: AbortSignal.any([input.signal, stop.signal]),
					controllers,
					emit: (event) => channel.push(event)
				};
				new AgentTurn(input, host).run().then(
					() => channel.close(),
					(e: unknown) => channel.fail(host.runSignal.aborted ? abortedError() : toHearthError(e))
				);
			}
			return channel[Symbol.asyncIterator]();
		},
		cancelCall: (id) => cancelRunningCall(controllers, id)
	};
}

interface Generation {
	text: string;
	calls: ProposedToolCall[];
}

class AgentTurn {
	readonly #input: AgentRunInput;
	readonly #host: CallHost;
	readonly #registry: ToolRegistry;
	readonly #specs: ToolSpec[];
	#schema: JsonSchema | undefined;
	#mode: LlmEngine['toolCalling'];
	/** The conversation as the model will read it next, tool turns included. */
	readonly #history: ChatMessage[];
	readonly #baseLength: number;
	/** Where the untrusted text in the turn came from, so far; empty while there is none. */
	readonly #untrusted: Set<string>;
	#steps = 0;
	#calls = 0;
	#limit: AgentLimit | undefined;
	/** Native mode: the last step told the model to fix its arguments; a second miss fails. */
	#repairIssued = false;
	#nextId = 1;
	readonly #ids = new Set<string>();
	readonly #meter = new AnswerMeter();
	/** All text shown so far, across steps. */
	#shown = '';

	constructor(input: AgentRunInput, host: CallHost) {
		this.#input = input;
		this.#host = host;
		this.#registry = createRegistry(input.tools);
		this.#specs = input.tools.map(toolSpec);
		this.#mode = input.engine.toolCallingFor?.(input.model) ?? input.engine.toolCalling;
		this.#history = [...input.messages];
		this.#baseLength = this.#history.length;
		const sources = input.untrustedSources ?? [];
		this.#untrusted = new Set(
			sources.length > 0 || !input.tainted
				? sources
				: ['untrusted text earlier in the conversation']
		);
	}

	get #tainted(): boolean {
		return this.#untrusted.size > 0;
	}

	async run(): Promise<void> {
		if (this.#specs.length === 0) {
			this.#steps = 1;
			await this.#answer();
			return this.#done();
		}
		const maxSteps = Math.max(1, this.#input.limits.maxSteps);
		for (;;) {
			this.#steps++;
			const answered =
				this.#mode === 'native' ? await this.#nativeStep() : await this.#schemaStep();
			if (answered) return this.#done();
			if (!this.#limit && this.#calls >= this.#input.limits.maxCalls) this.#limit = 'calls';
			if (!this.#limit && this.#steps >= maxSteps) this.#limit = 'steps';
			if (this.#limit) break;
		}
		await this.#answer(limitNote(this.#limit, this.#input.limits));
		this.#done();
	}

	/** True when the model answered (its text is already shown). */
	async #nativeStep(): Promise<boolean> {
		const request: ChatRequest = {
			model: this.#input.model,
			messages: withSystem(this.#history, [UNTRUSTED_RULE]),
			options: this.#input.options,
			tools: this.#specs
		};
		let generation: Generation;
		try {
			generation = await this.#generate(request, true);
		} catch (e) {
			// The model cannot take `tools`: describe them in the prompt for the rest of the answer.
			if (
				e instanceof HearthError &&
				e.code === 'tools_unsupported' &&
				!this.#host.runSignal.aborted
			) {
				this.#mode = 'schema';
				return this.#schemaStep();
			}
			throw e;
		}
		if (generation.calls.length === 0) return true;

		const calls = generation.calls.map((c) => ({ ...c, id: this.#uniqueId(c.id) }));
		this.#history.push({ role: 'assistant', content: generation.text, toolCalls: calls });
		const repairAllowed = !this.#repairIssued;
		this.#repairIssued = false;
		for (const call of calls) {
			const content = await this.#nativeCall(call, repairAllowed);
			this.#history.push({ role: 'tool', toolCallId: call.id, toolName: call.name, content });
		}
		return false;
	}

	async #nativeCall(call: ProposedToolCall, repairAllowed: boolean): Promise<string> {
		const tool = this.#registry.get(call.name);
		if (!tool) return this.#unknownTool(call.id, call.name, call.argumentsText);
		const parsed = parseArguments(tool, call.argumentsText);
		if (parsed.ok) return this.#run(call.id, tool, parsed.value);
		if (repairAllowed) {
			this.#repairIssued = true;
			return `${parsed.error} The call did not run. Call ${tool.name} again with corrected arguments.`;
		}
		return this.#invalidCall(call.id, tool.name, call.argumentsText, parsed.error);
	}

	/** One JSON reply per step; one repair re-ask within the step when it is unusable. */
	async #schemaStep(): Promise<boolean> {
		this.#schema ??= responseSchema(this.#specs);
		let repaired = false;
		for (;;) {
			const request: ChatRequest = {
				model: this.#input.model,
				messages: withSystem(this.#history, [UNTRUSTED_RULE, toolPrompt(this.#specs)]),
				options: this.#input.options,
				responseSchema: this.#schema
			};
			const { text } = await this.#generate(request, false);
			const reply = parseSchemaReply(text);
			if (reply.kind === 'answer') {
				// A reply that already holds the answer (a server that ignored the schema) is used
				// as it is; otherwise the answer is written now, unconstrained and streamed.
				if (reply.text !== undefined) this.#show(reply.text);
				else await this.#answer(this.#history.length > this.#baseLength ? ANSWER_NOW : undefined);
				return true;
			}
			let problem: { error: string; tool?: string };
			if (reply.kind === 'invalid') {
				problem = reply;
			} else {
				const tool = this.#registry.get(reply.tool);
				if (!tool) {
					this.#history.push({ role: 'assistant', content: text });
					const content = this.#unknownTool(this.#uniqueId(''), reply.tool, reply.argumentsText);
					this.#history.push({ role: 'user', content });
					return false;
				}
				const parsed = parseArguments(tool, reply.argumentsText);
				if (parsed.ok) {
					this.#history.push({ role: 'assistant', content: callText(tool.name, parsed.value) });
					const content = await this.#run(this.#uniqueId(''), tool, parsed.value);
					this.#history.push(resultMessage(tool.name, content));
					return false;
				}
				problem = { error: parsed.error, tool: tool.name };
			}
			this.#history.push({ role: 'assistant', content: text });
			if (!repaired) {
				repaired = true;
				this.#history.push({
					role: 'user',
					content: `That reply could not be used. ${problem.error} Reply again with one JSON object as described.`
				});
				continue;
			}
			const id = this.#uniqueId('');
			const content = this.#invalidCall(id, problem.tool ?? 'unknown', text, problem.error);
			this.#history.push({ role: 'user', content });
			return false;
		}
	}

	async #run(id: string, tool: AnyTool, args: unknown): Promise<string> {
		const { maxCalls } = this.#input.limits;
		if (this.#calls >= maxCalls) {
			this.#limit = 'calls';
			const message = `Not run: one answer may make at most ${maxCalls} tool calls.`;
			return reportFailedCall(
				this.#host,
				{ id, name: tool.name, args },
				{ code: 'tool_limit', message },
				this.#tainted
			);
		}
		this.#calls++;
		const tainted = this.#tainted;
		const gate = callGate(tool, args, { tainted, userText: this.#input.userText });
		const outcome = await performCall(
			this.#host,
			{ id, tool, args },
			{ confirm: gate?.ask ?? false, tainted, gate: gate?.gate, untrusted: [...this.#untrusted] }
		);
		if (outcome.untrusted) this.#untrusted.add(untrustedSource(tool.name, args));
		return outcome.content;
	}

	#unknownTool(id: string, name: string, argumentsText: string): string {
		const names = this.#specs.map((s) => s.name).join(', ');
		const message = `No tool named "${name}" is available for this answer (it may be switched off, or not one this agent uses). The tools are: ${names}.`;
		return reportFailedCall(
			this.#host,
			{ id, name, args: argumentsText },
			{ code: 'tool_unknown', message },
			this.#tainted
		);
	}

	#invalidCall(id: string, name: string, argumentsText: string, error: string): string {
		const failed = reportFailedCall(
			this.#host,
			{ id, name, args: argumentsText },
			{ code: 'tool_invalid_args', message: error },
			this.#tainted
		);
		return `${failed} It did not run; do not repeat it unchanged.`;
	}

	/** The final, unconstrained reply without tools, streamed to the user. */
	async #answer(note?: string): Promise<void> {
		const rules = this.#specs.length > 0 || this.#tainted ? [UNTRUSTED_RULE] : [];
		const messages = withSystem(flattenToolTurns(this.#history), rules);
		if (note) messages.push({ role: 'user', content: note });
		await this.#generate(
			{ model: this.#input.model, messages, options: this.#input.options },
			true
		);
	}

	async #generate(request: ChatRequest, show: boolean): Promise<Generation> {
		const signal = this.#host.runSignal;
		throwIfAborted(signal);
		let text = '';
		const calls: ProposedToolCall[] = [];
		let done = false;
		// Text from an earlier step stays on screen; the next step's text starts a new paragraph.
		let gap = show && this.#shown.trim() !== '' && !this.#shown.endsWith('\n\n') ? '\n\n' : '';
		for await (const delta of this.#input.engine.chat(request, signal)) {
			if (delta.type === 'text') {
				text += delta.text;
				if (show && delta.text !== '') {
					this.#show(gap + delta.text);
					gap = '';
				}
			} else if (delta.type === 'tool_call') {
				calls.push(delta.call);
			} else {
				done = true;
				this.#meter.finished(delta.finishReason, delta.usage, delta.timings);
			}
		}
		throwIfAborted(signal);
		if (!done) throw new HearthError('engine_stream_broken', 'The reply ended before it finished.');
		return { text, calls };
	}

	#show(text: string): void {
		this.#meter.shown();
		this.#shown += text;
		this.#host.emit({ type: 'text', text });
	}

	#done(): void {
		this.#host.emit({
			type: 'done',
			...this.#meter.measures(),
			steps: this.#steps,
			...(this.#limit ? { limit: this.#limit } : {})
		});
	}

	/** Engine ids may be missing or repeat across steps; cards need one id each. */
	#uniqueId(id: string): string {
		let unique = id;
		while (unique === '' || this.#ids.has(unique)) unique = `call-${this.#nextId++}`;
		this.#ids.add(unique);
		return unique;
	}
}

function limitNote(limit: AgentLimit, limits: AgentRunInput['limits']): string {
	const reached =
		limit === 'steps'
			? `the limit of ${limits.maxSteps} tool steps for one answer`
			: `the limit of ${limits.maxCalls} tool calls for one answer`;
	return (
		`No more tools can be used: ${reached} was reached. Answer now with what you have, and ` +
		'tell the user that the tool limit was reached.'
	);
}
