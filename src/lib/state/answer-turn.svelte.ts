import type { GenerationOptions, LlmEngine } from '$lib/engine/types';
import type { ChatDeps } from '$lib/state/chat.svelte';
import type { Conversation, ConversationSummary, ImageRef, Message } from '$lib/types/chat';
import type { Settings } from '$lib/types/settings';
import { DEFAULT_CONTEXT_WINDOW, prepareHistory } from '$lib/agent/history';
import { estimateMessageTokens, type TokenCalibration } from '$lib/utils/tokens';
import { earlierMemoryIds } from '$lib/memory/relevance';
import { reasoningClock, stripReasoning } from '$lib/utils/reasoning';
import { startsInReasoning } from '$lib/engine/reasoning-models';
import { agentModel, reflectionOn, systemPromptFor, type AgentDef } from '$lib/agent/agents';
import { runAgent, type AgentRun } from '$lib/agent/loop';
import { reflect } from '$lib/agent/reflect';
import { applyAgentEvent, chooseAgent, sourcesOf, toolsFor, withExamples } from '$lib/agent/turn';

// One answer, from choosing the engine and agent to the last token and the optional
// critique-and-revise pass. ChatState owns the message and its saving; this owns the turn.

export interface StreamOptions {
	/** Carry on from the saved text (no tools, no new prompt). */
	append: boolean;
	/** The agent the user asked for (re-asking with another agent); else the usual choice. */
	agent?: Message['agent'];
}

/** What a turn needs from the chat state that runs it. */
export interface TurnHost {
	deps(): ChatDeps;
	/** The open conversation's record when `id` is it (pins, options and summaries live there). */
	conversation(id: string): Conversation | null;
	calibration(model: string): TokenCalibration;
	storeSummary(conversationId: string, summary: ConversationSummary | undefined): Promise<void>;
	/** Resolves with the user's yes or no on a tool call's card. */
	waitForAnswer(callId: string): Promise<boolean>;
	/** The running agent loop (its calls can be cancelled one by one), or null when it ended. */
	setRun(run: AgentRun | null): void;
	setReviewing(messageId: string | null): void;
	saveImages(messageId: string, images: ImageRef[]): Promise<void>;
}

/** One answer: engine and agent chosen, history fitted, the agent loop, then reflection. */
export async function runTurn(
	host: TurnHost,
	target: Message,
	thread: Message[],
	{ append, agent: asked }: StreamOptions,
	signal: AbortSignal,
	changed: () => void
): Promise<void> {
	const deps = host.deps();
	const { engine, settings, tools } = deps;
	const conversation = host.conversation(target.conversationId);
	let choice = await engine.choose($state.snapshot(conversation?.pin) ?? null);
	const userText = [...thread].reverse().find((m) => m.role === 'user')?.content ?? '';
	const chosen = await chooseAgent({
		settings: settings(),
		pinnedId: conversation?.agentId,
		previous: asked ?? target.agent,
		userText,
		router: { engine: choice.engine, model: choice.model, signal }
	});
	target.agent = chosen.info;
	// The agent's preferred model applies unless the conversation is pinned to one.
	const preferred = agentModel(chosen.agent);
	if (preferred && !conversation?.pin) {
		choice = await engine.choose(preferred).catch(() => choice);
	}
	target.model = choice.model;
	target.engine = choice.kind;
	target.context = undefined;
	const options = generationOptions(settings(), conversation);
	const startsInside = startsInReasoning(choice.kind, choice.model);
	const info = engine.modelInfo(choice.kind, choice.model);
	const calibration = host.calibration(choice.model);
	// A continuation carries on the text as it was: no tools, no new agent prompt.
	const agentTools =
		tools && !append
			? toolsFor(chosen.agent, await tools.registry(), settings(), await tools.hasWritableFolder())
			: [];
	// Memories go in for a fresh answer only; a failure to look them up never stops one. Those
	// this conversation used before come first, so the prompt's start stays put (prompt cache).
	const earlier = earlierMemoryIds(thread);
	const memories =
		!append && settings().useMemories
			? await deps.memory?.relevant(userText, signal, earlier).catch(() => null)
			: null;
	target.memories = memories?.used.length ? memories.used : undefined;
	const agentPrompt = systemPromptFor(chosen.agent, settings().systemPrompt, {
		// A timestamp for the prompt, not state: nothing re-renders from it.
		// eslint-disable-next-line svelte/prefer-svelte-reactivity
		now: new Date(),
		toolNames: agentTools.map((t) => t.name),
		reasoningModel: startsInside
	});
	// Images become pixels for a model that sees, else the text read from them (never dropped).
	const imageHooks = thread.some((m) => m.images?.length) ? deps.images?.() : null;
	const visuals = imageHooks
		? await imageHooks.visuals({
				thread,
				kind: choice.kind,
				model: choice.model,
				signal,
				saveImages: (id, images) => host.saveImages(id, images)
			})
		: undefined;
	const prepared = await prepareHistory({
		visuals,
		thread,
		systemPrompt: memories?.block ? `${agentPrompt}\n\n${memories.block}` : agentPrompt,
		stored: $state.snapshot(conversation?.summary),
		engine: choice.engine,
		model: choice.model,
		modelLabel: info?.name ?? choice.model,
		contextWindow: info?.contextLength ?? DEFAULT_CONTEXT_WINDOW,
		maxTokens: options.maxTokens ?? settings().maxTokens,
		reasoning: { startsInReasoning: startsInside },
		calibration,
		signal
	});
	if (prepared.note) target.context = prepared.note;
	if (prepared.summary !== undefined) {
		await host.storeSummary(target.conversationId, prepared.summary ?? undefined);
	}
	const run = runAgent({
		engine: choice.engine,
		model: choice.model,
		messages: withExamples(prepared.messages, chosen.agent),
		options,
		tools: agentTools,
		limits: { maxSteps: settings().maxToolSteps, maxCalls: settings().maxToolCalls },
		userText,
		context: {
			net: tools?.net ?? ((url, init) => fetch(url, init)),
			settings: $state.snapshot(settings()),
			attachments: tools ? await tools.attachments(target.conversationId) : [],
			conversationId: target.conversationId
		},
		confirm: (record) => host.waitForAnswer(record.id),
		ask: (record) => host.waitForAnswer(record.id),
		signal
	});
	host.setRun(run);
	const reasoning = reasoningClock(startsInside);
	for await (const event of run) {
		applyAgentEvent(target, event);
		if (event.type === 'text') {
			const ms = reasoning.observe(target.content);
			if (ms !== undefined) target.reasoningMs = ms;
		} else if (event.type === 'done') {
			target.usage = event.usage;
			target.timings = event.timings;
			// Estimates learn from what the engine counted (Ollama reports prompt tokens).
			if (prepared.estimated && event.usage && event.steps === 1) {
				calibration.observe(estimateMessageTokens(prepared.messages), event.usage.promptTokens);
			}
		}
		changed();
	}
	host.setRun(null);
	if (!append && reflectionOn(chosen.agent, settings())) {
		await reflectOn(host, target, userText, chosen.agent, choice, signal, changed);
	}
	if (!append && settings().proposeMemories && deps.memory) {
		// In the background: the answer is finished for the user already.
		void deps.memory
			.propose({
				engine: choice.engine,
				model: choice.model,
				userText,
				answer: stripReasoning(target.content),
				conversationId: target.conversationId
			})
			.catch(() => undefined);
	}
}

/** The critique-and-revise pass: the draft is kept beside a revised answer. */
async function reflectOn(
	host: TurnHost,
	target: Message,
	question: string,
	agent: AgentDef,
	choice: { engine: LlmEngine; model: string },
	signal: AbortSignal,
	changed: () => void
): Promise<void> {
	const draft = target.content;
	host.setReviewing(target.id);
	try {
		const result = await reflect({
			engine: choice.engine,
			model: choice.model,
			question,
			answer: draft,
			agent,
			sources: sourcesOf(target),
			signal,
			onText: (_delta, text) => {
				target.revision ??= { critique: '', draft };
				target.content = text;
				changed();
			}
		});
		if (result) target.revision = { critique: result.critique, draft };
		else if (target.revision) {
			// The rewrite failed part-way: the draft stands.
			target.content = draft;
			target.revision = undefined;
		}
	} finally {
		host.setReviewing(null);
	}
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
		...(stop && stop.length > 0 ? { stop } : {})
	};
}
