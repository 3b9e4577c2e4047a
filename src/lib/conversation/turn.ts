// One answer, from choosing the engine and agent to the last token and the optional
// critique-and-revise pass. Plain TypeScript: every face (browser, terminal, API) runs this same
// turn and applies the events it yields.
import { DEFAULT_CONTEXT_WINDOW, prepareHistory } from '$lib/agent/history';
import { agentModel, reflectionOn, systemPromptFor, type AgentDef } from '$lib/agent/agents';
import { EventChannel } from '$lib/agent/event-channel';
import { runAgent, type AgentRun } from '$lib/agent/loop';
import { reflect } from '$lib/agent/reflect';
import { chooseAgent, sourcesOf, toolsFor, withExamples } from '$lib/agent/turn';
import { untrustedOrigins } from '$lib/agent/untrusted-origins';
import type { EngineChoice, LlmEngine } from '$lib/engine/types';
import { startsInReasoning } from '$lib/engine/reasoning-models';
import type {
	EngineChooser,
	ImageHooks,
	MemoryHooks,
	ToolApprovals,
	TurnTools
} from '$lib/conversation/ports';
import { applyTurnEvent, type TurnEvent } from '$lib/conversation/turn-events';
import type { Conversation, Message } from '$lib/types/chat';
import type { GenerationOptions } from '$lib/types/llm';
import type { Settings } from '$lib/types/settings';
import { reasoningClock, stripReasoning } from '$lib/utils/reasoning';
import { estimateMessageTokens, type TokenCalibration } from '$lib/utils/tokens';
import { earlierMemoryIds } from '$lib/memory/relevance';

export interface TurnContext {
	/** The answer being written. Every event is applied to it before it is yielded. */
	answer: Message;
	/** The branch the answer follows (through the answer itself when continuing it). */
	thread: readonly Message[];
	/** The conversation's record (pin, options, agent, summary); null for none. */
	conversation: Conversation | null;
	/** Carry on from the answer's text (no tools, no new prompt). */
	append: boolean;
	/** The agent the user asked for (re-asking with another agent); else the usual choice. */
	agent?: Message['agent'];
	engines: EngineChooser;
	settings: Settings;
	tools?: TurnTools;
	memory?: MemoryHooks;
	images?: ImageHooks | null;
	/** How far token estimates are off for the answering model (learnt from reported usage). */
	calibration: (model: string) => TokenCalibration;
	approvals: ToolApprovals;
	signal: AbortSignal;
}

/** One answer in progress: iterate it once for its events. */
export interface Turn extends AsyncIterable<TurnEvent> {
	/** Stops one running tool call (its card's cancel); false when it is not running. */
	cancelCall(id: string): boolean;
}

export function runTurn(context: TurnContext): Turn {
	const stop = new AbortController();
	const signal = AbortSignal.any([context.signal, stop.signal]);
	const channel = new EventChannel<TurnEvent>(() => stop.abort());
	let run: AgentRun | null = null;
	let started = false;
	const emit = (event: TurnEvent) => {
		applyTurnEvent(context.answer, event);
		channel.push(event);
	};
	return {
		[Symbol.asyncIterator]() {
			if (!started) {
				started = true;
				answerTurn(context, { emit, signal, setRun: (r) => (run = r) }).then(
					() => channel.close(),
					(e: unknown) => channel.fail(e)
				);
			}
			return channel[Symbol.asyncIterator]();
		},
		cancelCall: (id) => run?.cancelCall(id) ?? false
	};
}

interface TurnIo {
	emit(event: TurnEvent): void;
	signal: AbortSignal;
	setRun(run: AgentRun | null): void;
}

async function answerTurn(context: TurnContext, io: TurnIo): Promise<void> {
	const { answer, thread, conversation, settings, tools, append } = context;
	const { emit, signal } = io;
	let choice = await context.engines.choose(conversation?.pin ?? null);
	const userText = [...thread].reverse().find((m) => m.role === 'user')?.content ?? '';
	const chosen = await chooseAgent({
		settings,
		pinnedId: conversation?.agentId,
		previous: context.agent ?? answer.agent,
		userText,
		router: { engine: choice.engine, model: choice.model, signal }
	});
	// The agent's preferred model applies unless the conversation is pinned to one.
	const preferred = agentModel(chosen.agent);
	if (preferred && !conversation?.pin) {
		choice = await context.engines.choose(preferred).catch(() => choice);
	}
	emit({
		type: 'meta',
		meta: { agent: chosen.info, model: choice.model, engine: choice.kind, context: undefined }
	});
	const options = generationOptions(settings, conversation);
	const startsInside = startsInReasoning(choice.kind, choice.model);
	const info = context.engines.modelInfo(choice.kind, choice.model);
	const calibration = context.calibration(choice.model);
	// A continuation carries on the text as it was: no tools, no new agent prompt.
	const agentTools =
		tools && !append
			? toolsFor(
					chosen.agent,
					await tools.registry(),
					settings,
					await tools.hasWritableFolder(),
					chosen.extraTools
				)
			: [];
	// Memories go in for a fresh answer only; a failure to look them up never stops one. Those
	// this conversation used before come first, so the prompt's start stays put (prompt cache).
	const memories =
		!append && settings.useMemories
			? await context.memory?.relevant(userText, signal, earlierMemoryIds(thread)).catch(() => null)
			: null;
	emit({ type: 'meta', meta: { memories: memories?.used.length ? memories.used : undefined } });
	const agentPrompt = systemPromptFor(chosen.agent, settings.systemPrompt, {
		now: new Date(),
		toolNames: agentTools.map((t) => t.name),
		reasoningModel: startsInside
	});
	// Images become pixels for a model that sees, else the text read from them (never dropped).
	const imageHooks = thread.some((m) => m.images?.length) ? context.images : null;
	const visuals = imageHooks
		? await imageHooks.visuals({
				thread,
				kind: choice.kind,
				model: choice.model,
				signal,
				saveImages: async (messageId, images) => emit({ type: 'images', messageId, images })
			})
		: undefined;
	const prepared = await prepareHistory({
		visuals,
		thread: [...thread],
		systemPrompt: memories?.block ? `${agentPrompt}\n\n${memories.block}` : agentPrompt,
		stored: conversation?.summary,
		engine: choice.engine,
		model: choice.model,
		modelLabel: info?.name ?? choice.model,
		contextWindow: info?.contextLength ?? DEFAULT_CONTEXT_WINDOW,
		maxTokens: options.maxTokens ?? settings.maxTokens,
		reasoning: { startsInReasoning: startsInside },
		calibration,
		signal
	});
	if (prepared.note) emit({ type: 'meta', meta: { context: prepared.note } });
	if (prepared.summary !== undefined) {
		emit({ type: 'summary', summary: prepared.summary ?? undefined });
	}
	// Untrusted text that reaches this prompt by other paths than this turn's tool results:
	// earlier answers that read pages, images, the summary, memories saved after reading
	// something. Any of it and the turn starts tainted; the answer keeps the list for later turns.
	const untrusted = untrustedOrigins({
		thread,
		visuals,
		summary: prepared.summary === undefined ? conversation?.summary : prepared.summary,
		memories: memories?.used
	});
	emit({ type: 'meta', meta: { untrusted: untrusted.length > 0 ? untrusted : undefined } });
	const run = runAgent({
		engine: choice.engine,
		model: choice.model,
		messages: withExamples(prepared.messages, chosen.agent),
		options,
		tools: agentTools,
		limits: { maxSteps: settings.maxToolSteps, maxCalls: settings.maxToolCalls },
		userText,
		tainted: untrusted.length > 0,
		untrustedSources: untrusted,
		context: {
			net: tools?.net ?? ((url, init) => fetch(url, init)),
			settings,
			attachments: tools ? await tools.attachments(answer.conversationId) : [],
			conversationId: answer.conversationId
		},
		confirm: (record) => context.approvals.confirm(record),
		ask: (record, question) => context.approvals.ask(record, question),
		signal
	});
	io.setRun(run);
	const reasoning = reasoningClock(startsInside);
	for await (const event of run) {
		if (event.type === 'done') {
			emit({ type: 'meta', meta: { usage: event.usage, timings: event.timings } });
			// Estimates learn from what the engine counted (Ollama reports prompt tokens).
			if (prepared.estimated && event.usage && event.steps === 1) {
				calibration.observe(estimateMessageTokens(prepared.messages), event.usage.promptTokens);
			}
			continue;
		}
		emit(event);
		if (event.type === 'text') {
			const ms = reasoning.observe(answer.content);
			if (ms !== undefined) emit({ type: 'meta', meta: { reasoningMs: ms } });
		}
	}
	io.setRun(null);
	if (!append && reflectionOn(chosen.agent, settings)) {
		await reflectOn(context, io, userText, chosen.agent, choice);
	}
	if (!append && settings.proposeMemories && context.memory) {
		// In the background: the answer is finished for the user already.
		void context.memory
			.propose({
				engine: choice.engine,
				model: choice.model,
				userText,
				answer: stripReasoning(answer.content),
				conversationId: answer.conversationId,
				// What the answer read joins what its prompt held.
				untrusted: untrustedOrigins({ thread: [answer] })
			})
			.catch(() => undefined);
	}
}

/** The critique-and-revise pass: the draft is kept beside a revised answer. */
async function reflectOn(
	context: TurnContext,
	io: TurnIo,
	question: string,
	agent: AgentDef,
	choice: EngineChoice
): Promise<void> {
	const { answer } = context;
	const { emit } = io;
	const draft = answer.content;
	emit({ type: 'reviewing', on: true });
	// Its cost is shown on the answer, so the person can judge whether the check pays.
	const started = performance.now();
	const counted = countingEngine(choice.engine);
	try {
		const result = await reflect({
			engine: counted.engine,
			model: choice.model,
			question,
			answer: draft,
			agent,
			sources: sourcesOf(answer),
			signal: io.signal,
			onText: (_delta, text) => {
				if (!answer.revision) emit({ type: 'meta', meta: { revision: { critique: '', draft } } });
				emit({ type: 'content', content: text });
			}
		});
		if (result) {
			emit({ type: 'meta', meta: { revision: { critique: result.critique, draft } } });
		} else if (answer.revision) {
			// The rewrite failed part-way: the draft stands.
			emit({ type: 'content', content: draft });
			emit({ type: 'meta', meta: { revision: undefined } });
		}
	} finally {
		const review = { calls: counted.calls(), ms: Math.round(performance.now() - started) };
		emit({ type: 'meta', meta: { review } });
		emit({ type: 'reviewing', on: false });
	}
}

/** The engine, counting its chat requests (only `chat` is used through it). */
function countingEngine(engine: LlmEngine): { engine: LlmEngine; calls: () => number } {
	let calls = 0;
	const counted: LlmEngine = {
		kind: engine.kind,
		label: engine.label,
		toolCalling: engine.toolCalling,
		probe: (signal) => engine.probe(signal),
		listModels: (signal) => engine.listModels(signal),
		load: (model, onProgress, signal) => engine.load(model, onProgress, signal),
		chat: (request, signal) => {
			calls++;
			return engine.chat(request, signal);
		},
		dispose: () => engine.dispose()
	};
	return { engine: counted, calls: () => calls };
}

/** The defaults from Settings, overridden field by field by the conversation's own options. */
export function generationOptions(
	settings: Settings,
	conversation: Conversation | null
): GenerationOptions {
	const own = conversation?.options ?? {};
	const stop = own.stop?.filter((s) => s.length > 0);
	return {
		temperature: own.temperature ?? settings.temperature,
		topP: own.topP ?? settings.topP,
		maxTokens: own.maxTokens ?? settings.maxTokens,
		...(stop && stop.length > 0 ? { stop } : {}),
		...(own.seed !== undefined ? { seed: own.seed } : {})
	};
}
