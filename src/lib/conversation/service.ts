// The conversation service: the core every face runs. It keeps conversations and their message
// trees in a ChatStore, runs answer turns and saves them as they stream, and writes titles.
// A face holds what it shows and applies the events of `answer()` to it.
import { AnswerWriter } from '$lib/conversation/answer-writer';
import type { ChatStore, ConversationPatch, NewMessage } from '$lib/conversation/chat-store';
import type {
	EngineChooser,
	ImageHooks,
	MemoryHooks,
	ToolApprovals,
	TurnTools
} from '$lib/conversation/ports';
import { applyTurnEvent, type TurnEvent } from '$lib/conversation/turn-events';
import type { EngineKind } from '$lib/engine/types';
import { answerMetric } from '$lib/metrics/record';
import type { MetricsSink } from '$lib/metrics/types';
import type { Conversation, ConversationSummary, Message, MessageStatus } from '$lib/types/chat';
import { toHearthError, type HearthError } from '$lib/types/errors';
import type { Settings } from '$lib/types/settings';
import { stripReasoning } from '$lib/utils/reasoning';
import { cleanGeneratedTitle, isGoodTitle, TITLE_PROMPT, titleFromText } from '$lib/utils/title';
import { TokenCalibration } from '$lib/utils/tokens';
// Type-only: the turn's code (agent, prompts, history budget) is loaded when first needed.
import type * as TurnModule from '$lib/conversation/turn';
import type { Turn } from '$lib/conversation/turn';

export interface ConversationServiceDeps {
	store: ChatStore;
	engines: EngineChooser;
	settings: () => Settings;
	tools?: TurnTools;
	memory?: MemoryHooks;
	/** Images sent with messages (the browser loads them after first paint). */
	images?: () => ImageHooks | null;
	/** A save failed while an answer streamed: it keeps streaming, the face tells the person. */
	onError: (e: HearthError) => void;
	/** The first message was saved (the browser asks for persistent storage then). */
	onFirstSave?: () => void;
	/** Loads the turn's code; the browser keeps it out of the first paint. Default: import it. */
	loadTurn?: () => Promise<typeof TurnModule>;
	/** Streaming saves at most this often (ms). */
	saveEveryMs?: number;
	/** Where each settled answer's metrics go (off when Settings say so; never sent anywhere). */
	metrics?: MetricsSink;
}

export interface AnswerRequest {
	/** The assistant message to write (already stored); the service writes to this object. */
	answer: Message;
	/** The branch it follows, as plain copies (through the answer itself when continuing). */
	thread: readonly Message[];
	conversation: Conversation | null;
	/** Carry on from the saved text (no tools, no new prompt). */
	append: boolean;
	/**
	 * `answer` is stored exactly as given (the API has just written it, empty and streaming):
	 * the opening save is skipped unless the opening events change what is saved.
	 */
	stored?: boolean;
	/** The agent the person asked for (re-asking with another agent). */
	agent?: Message['agent'];
	approvals: ToolApprovals;
	signal: AbortSignal;
	/** The question was spoken (only the face knows): counted in the metrics. */
	voice?: boolean;
}

/** One answer being written; iterate it once. Its last event is `status` with the outcome. */
export interface AnswerRun extends AsyncIterable<TurnEvent> {
	/** Stops one running tool call (its card's cancel); the model is told. */
	cancelCall(id: string): boolean;
}

// Cached once loaded; a chunk that failed to load (offline, a new deploy) is tried again next time.
let turnModule: Promise<typeof TurnModule> | null = null;
function importTurn(): Promise<typeof TurnModule> {
	turnModule ??= import('$lib/conversation/turn').catch((e: unknown) => {
		turnModule = null;
		throw e;
	});
	return turnModule;
}

/**
 * A running call's progress line: shown, not saved. Saving it rewrote the whole answer (a plan of
 * a thousand items with it) several times a second while the plan applied; its end is saved.
 */
function progressOnly(event: TurnEvent): boolean {
	return (
		event.type === 'call-update' &&
		Object.keys(event.patch).every((key) => key === 'progress' || key === 'preview')
	);
}

export class ConversationService {
	readonly #deps: ConversationServiceDeps;
	#savedOnce = false;
	/** Per model: how far token estimates are off, learnt from reported usage (this run only). */
	readonly #calibrations = new Map<string, TokenCalibration>();
	#answering = 0;

	constructor(deps: ConversationServiceDeps) {
		this.#deps = deps;
	}

	get store(): ChatStore {
		return this.#deps.store;
	}

	/** Answers being written now (background work such as memory proposals waits for 0). */
	get answering(): number {
		return this.#answering;
	}

	/** Loads the turn's code ahead of the first answer (the browser calls it when idle). */
	async warm(): Promise<void> {
		await Promise.all([this.#loadTurn(), this.#deps.tools?.registry()]);
	}

	/** A new conversation titled from its first words (a model may retitle it later). */
	createConversation(
		text: string,
		current?: { model?: string; engine?: EngineKind }
	): Promise<Conversation> {
		return this.#deps.store.createConversation({
			title: titleFromText(text),
			model: current?.model,
			engine: current?.engine
		});
	}

	/** Saves a message and makes it the conversation's leaf. */
	async addMessage(init: NewMessage): Promise<Message> {
		const saved = await this.#deps.store.addMessage(init);
		if (!this.#savedOnce) {
			this.#savedOnce = true;
			this.#deps.onFirstSave?.();
		}
		return saved;
	}

	/** Hands images waiting in the composer to the message they were sent with. */
	async attachImages(ids: string[], messageId: string): Promise<void> {
		if (ids.length) await this.#deps.images?.()?.attach(ids, messageId);
	}

	patchConversation(id: string, patch: ConversationPatch): Promise<void> {
		return this.#deps.store.updateConversation(id, patch);
	}

	/** Streams an answer into `request.answer`, saving it as it goes. */
	answer(request: AnswerRequest): AnswerRun {
		let turn: Turn | null = null;
		const events = this.#stream(request, (t) => (turn = t));
		return {
			[Symbol.asyncIterator]: () => events,
			cancelCall: (id) => turn?.cancelCall(id) ?? false
		};
	}

	async *#stream(
		request: AnswerRequest,
		setTurn: (turn: Turn | null) => void
	): AsyncGenerator<TurnEvent> {
		const { answer, append } = request;
		const { store } = this.#deps;
		const report = (e: unknown) => this.#deps.onError(toHearthError(e));
		const writer = new AnswerWriter(store, answer, report, this.#deps.saveEveryMs, request.stored);
		const begin: TurnEvent[] = [
			...(append
				? []
				: [
						{ type: 'content', content: '' } as const,
						{
							type: 'meta',
							meta: {
								reasoningMs: undefined,
								toolCalls: undefined,
								revision: undefined,
								review: undefined
							}
						} as const
					]),
			{ type: 'meta', meta: { error: undefined } },
			{ type: 'status', status: 'streaming' }
		];
		for (const event of begin) {
			applyTurnEvent(answer, event);
			yield event;
		}
		// Shown once everything is saved and a next message can be sent (never "done" while busy).
		let outcome: MessageStatus = 'aborted';
		this.#answering++;
		try {
			await writer.save();
			const { runTurn } = await this.#loadTurn();
			const turn = runTurn({
				answer,
				thread: request.thread,
				conversation: request.conversation,
				append,
				agent: request.agent,
				engines: this.#deps.engines,
				settings: this.#deps.settings(),
				tools: this.#deps.tools,
				memory: this.#deps.memory,
				images: this.#deps.images?.() ?? null,
				calibration: (model) => this.#calibration(model),
				approvals: request.approvals,
				signal: request.signal
			});
			setTurn(turn);
			for await (const event of turn) {
				if (event.type === 'summary') {
					await this.#storeSummary(answer.conversationId, event.summary);
				} else if (event.type === 'images') {
					await store.updateMessage(event.messageId, { images: event.images }).catch(report);
				}
				if (!progressOnly(event)) writer.schedule();
				yield event;
			}
			outcome = 'done';
		} catch (e) {
			const error = toHearthError(e);
			outcome = error.code === 'aborted' ? 'aborted' : 'error';
			if (error.code !== 'aborted') {
				const failed: TurnEvent = { type: 'meta', meta: { error: error.toJSON() } };
				applyTurnEvent(answer, failed);
				yield failed;
			}
		} finally {
			this.#answering--;
			setTurn(null);
			// Saved before the face hears the outcome; a consumer leaving early still gets it saved.
			answer.status = outcome;
			await writer.finish();
			await this.#record(request);
		}
		yield { type: 'status', status: outcome };
	}

	/** The settled answer's metrics; a failure to record never troubles the person. */
	async #record(request: AnswerRequest): Promise<void> {
		const { metrics, settings } = this.#deps;
		if (!metrics || !settings().recordMetrics) return;
		const asked = [...request.thread].reverse().find((m) => m.role === 'user');
		const metric = answerMetric(request.answer, asked, {
			voice: request.voice,
			at: Date.now(),
			id: crypto.randomUUID()
		});
		await metrics.record(metric).catch(() => undefined);
	}

	async #storeSummary(conversationId: string, summary: ConversationSummary | undefined) {
		await this.#deps.store
			.updateConversation(conversationId, { summary })
			.catch((e: unknown) => this.#deps.onError(toHearthError(e)));
	}

	/**
	 * The conversation's title, settled once: an opening that already reads as a title is kept as
	 * it is (no model call); otherwise the model writes a short one. Null when auto-titles are off,
	 * the title was already final, or the model failed (the first guess then stays).
	 */
	async autoTitle(conversationId: string): Promise<string | null> {
		const { store, engines, settings } = this.#deps;
		if (!settings().autoTitle) return null;
		try {
			const conversation = await store.getConversation(conversationId);
			if (!conversation || conversation.titleFinal) return null;
			const first = (await store.messagesOf(conversationId)).find((m) => m.role === 'user');
			if (!first) return null;
			if (isGoodTitle(first.content)) {
				await store.updateConversation(conversationId, { titleFinal: true });
				return null;
			}
			let raw = '';
			const choice = await engines.choose(conversation.pin);
			const request = {
				model: choice.model,
				messages: [
					{ role: 'system' as const, content: TITLE_PROMPT },
					{ role: 'user' as const, content: first.content.slice(0, 1000) }
				],
				options: { temperature: 0.2, maxTokens: 24 }
			};
			for await (const delta of choice.engine.chat(request, AbortSignal.timeout(30_000))) {
				if (delta.type === 'text') raw += delta.text;
			}
			const title = cleanGeneratedTitle(stripReasoning(raw));
			if (!title) return null;
			await store.updateConversation(conversationId, { title, titleFinal: true });
			return title;
		} catch {
			// The heuristic title stays; a failed title is not worth interrupting anyone for.
			return null;
		}
	}

	#loadTurn(): Promise<typeof TurnModule> {
		return (this.#deps.loadTurn ?? importTurn)();
	}

	#calibration(model: string): TokenCalibration {
		let calibration = this.#calibrations.get(model);
		if (!calibration) {
			calibration = new TokenCalibration();
			this.#calibrations.set(model, calibration);
		}
		return calibration;
	}
}
