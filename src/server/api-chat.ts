// The answer behind every API route: a conversation in the store, the caller's messages saved
// before anything else happens, then Hearth's own turn (agent, tools by policy, memory) streamed.
import type { ChatStore } from '$lib/conversation/chat-store';
import type { EngineChooser, MemoryHooks, ToolApprovals, TurnTools } from '$lib/conversation/ports';
import { ConversationService } from '$lib/conversation/service';
import type { TurnEvent } from '$lib/conversation/turn-events';
import type { EngineKind, EnginePin } from '$lib/engine/types';
import type { Conversation, Message } from '$lib/types/chat';
import { HearthError } from '$lib/types/errors';
import type { GenerationOptions, Usage } from '$lib/types/llm';
import type { Settings } from '$lib/types/settings';
import { buildThread } from '$lib/utils/thread';
import { titleFromText } from '$lib/utils/title';

/** A model the API offers: its id (what callers send as `model`) and the engine that has it. */
export interface ApiModel {
	id: string;
	kind: EngineKind;
	contextLength?: number;
}

/**
 * What `hearth serve` needs from the runtime (src/node/runtime.ts composes it): the same store,
 * engines, settings, tools and memory the terminal uses. The server builds its conversation
 * service from these itself, so it can apply its tool policy and a caller's system prompt.
 */
export interface ServerDeps {
	store: ChatStore;
	engines: EngineChooser;
	/** Every model callers may name, for GET /v1/models and to resolve `model`. */
	models(signal?: AbortSignal): Promise<ApiModel[]>;
	settings: () => Settings;
	/** Hearth's tools; side-effect ones are filtered out by the server's policy unless allowed. */
	tools?: TurnTools;
	memory?: MemoryHooks;
	/** A save failed while an answer streamed (it keeps streaming); default: ignored. */
	onError?: (e: HearthError) => void;
}

/** A message the caller sent, as saved. */
export interface IncomingTurn {
	role: 'user' | 'assistant';
	content: string;
}

export interface AnswerStart {
	conversation: Conversation;
	/** The caller's newest message, saved (its id acknowledges it). */
	user: Message;
	/** The answer being written (saved as `streaming` before the first token). */
	answer: Message;
	events: AsyncIterable<TurnEvent>;
}

export interface ChatOptions {
	approvals: ToolApprovals;
	tools: TurnTools | undefined;
	saveEveryMs?: number;
}

const MODELS_FRESH_MS = 30_000;

export class ApiChat {
	readonly #deps: ServerDeps;
	readonly #options: ChatOptions;
	readonly #service: ConversationService;
	#models: { at: number; list: Promise<ApiModel[]> } | null = null;

	constructor(deps: ServerDeps, options: ChatOptions) {
		this.#deps = deps;
		this.#options = options;
		this.#service = this.#serviceWith(null);
	}

	get store(): ChatStore {
		return this.#deps.store;
	}

	/** The models callers may name; listed again after MODELS_FRESH_MS or when `fresh`. */
	models(signal?: AbortSignal, fresh = false): Promise<ApiModel[]> {
		const now = Date.now();
		if (fresh || !this.#models || now - this.#models.at > MODELS_FRESH_MS) {
			const list = this.#deps.models(signal);
			this.#models = { at: now, list };
			list.catch(() => (this.#models = null));
		}
		return this.#models!.list;
	}

	/** `model` as a pin; undefined (or "hearth") means the configured chain. */
	async pinFor(model: string | undefined, signal?: AbortSignal): Promise<EnginePin | null> {
		if (!model || model === 'hearth') return null;
		// Listing reads every GGUF file's header: not once per request. A model added since is
		// found by listing again before saying it does not exist.
		const found =
			(await this.models(signal)).find((m) => m.id === model) ??
			(await this.models(signal, true)).find((m) => m.id === model);
		if (!found) {
			throw new HearthError(
				'model_not_found',
				`The model \`${model}\` does not exist here. GET /v1/models lists the models Hearth has.`
			);
		}
		return { engine: found.kind, model: found.id };
	}

	/**
	 * A new conversation holding `turns` (the last one the caller's question), answered.
	 * `systemPrompt` is the caller's own, added to the configured one for this answer only.
	 */
	async startNew(input: {
		turns: readonly IncomingTurn[];
		pin: EnginePin | null;
		options?: GenerationOptions;
		systemPrompt?: string;
		signal: AbortSignal;
	}): Promise<AnswerStart> {
		const last = input.turns.at(-1);
		if (!last || last.role !== 'user') {
			throw new HearthError('import_invalid', 'The last message must be the user\u2019s.');
		}
		const options = definedOptions(input.options);
		// The caller's messages and the empty answer in one commit: acknowledged before the
		// engine starts, at the cost of one write (each write also flushes the search index).
		const { conversation, messages } = await this.#deps.store.createThread(
			{
				title: titleFromText(last.content),
				...(input.pin ? { pin: input.pin } : {}),
				...(options ? { options } : {})
			},
			[
				...input.turns.map((turn) => ({
					role: turn.role,
					content: turn.content,
					status: 'done' as const
				})),
				{ role: 'assistant' as const, content: '', status: 'streaming' as const }
			]
		);
		const answer = messages.pop()!;
		return this.#answer(conversation, messages, answer, input.systemPrompt, input.signal);
	}

	/** Continues a stored conversation with the caller's next message. */
	async continueWith(
		conversationId: string,
		text: string,
		signal: AbortSignal
	): Promise<AnswerStart> {
		const store = this.#deps.store;
		const conversation = await store.getConversation(conversationId);
		if (!conversation) {
			throw new HearthError('file_not_found', `There is no conversation ${conversationId}.`);
		}
		const byId = new Map((await store.messagesOf(conversationId)).map((m) => [m.id, m]));
		const thread = buildThread(byId, conversation.leafId);
		const user = await store.addMessage({
			conversationId,
			parentId: thread.at(-1)?.id ?? null,
			role: 'user',
			content: text,
			status: 'done'
		});
		const answer = await this.#deps.store.addMessage({
			conversationId,
			parentId: user.id,
			role: 'assistant',
			content: '',
			status: 'streaming'
		});
		return this.#answer(conversation, [...thread, user], answer, undefined, signal);
	}

	/** A conversation and its visible branch. */
	async read(conversationId: string): Promise<{ conversation: Conversation; messages: Message[] }> {
		const store = this.#deps.store;
		const conversation = await store.getConversation(conversationId);
		if (!conversation) {
			throw new HearthError('file_not_found', `There is no conversation ${conversationId}.`);
		}
		const byId = new Map((await store.messagesOf(conversationId)).map((m) => [m.id, m]));
		return { conversation, messages: buildThread(byId, conversation.leafId) };
	}

	/** Streams `answer` (stored as `streaming`, empty) after `thread`. */
	#answer(
		conversation: Conversation,
		thread: Message[],
		answer: Message,
		systemPrompt: string | undefined,
		signal: AbortSignal
	): AnswerStart {
		const user = thread.at(-1)!;
		const service = systemPrompt?.trim() ? this.#serviceWith(systemPrompt) : this.#service;
		const events = service.answer({
			answer,
			thread,
			conversation,
			append: false,
			stored: true,
			approvals: this.#options.approvals,
			signal
		});
		return { conversation, user, answer, events };
	}

	#serviceWith(systemPrompt: string | null): ConversationService {
		const { store, engines, memory } = this.#deps;
		const settings = systemPrompt
			? () => {
					const base = this.#deps.settings();
					const joined = [base.systemPrompt.trim(), systemPrompt.trim()].filter(Boolean);
					return { ...base, systemPrompt: joined.join('\n\n') };
				}
			: this.#deps.settings;
		return new ConversationService({
			store,
			engines,
			settings,
			tools: this.#options.tools,
			memory,
			onError: (e) => this.#deps.onError?.(e),
			saveEveryMs: this.#options.saveEveryMs
		});
	}
}

function definedOptions(options: GenerationOptions | undefined): GenerationOptions | undefined {
	if (!options) return undefined;
	const entries = Object.entries(options).filter(([, value]) => value !== undefined);
	return entries.length > 0 ? (Object.fromEntries(entries) as GenerationOptions) : undefined;
}

/** Runs an answer to its end; text as it streams to `onText`. */
export async function finishAnswer(
	start: AnswerStart,
	onText: (text: string) => void = () => {}
): Promise<{ text: string; usage?: Usage; status: Message['status']; error?: HearthError }> {
	const { answer } = start;
	let sent = '';
	for await (const event of start.events) {
		// The text events are applied to `answer` by the service before they reach us.
		if (event.type === 'text' || event.type === 'content') {
			const text = answer.content;
			if (text.startsWith(sent) && text.length > sent.length) {
				onText(text.slice(sent.length));
				sent = text;
			}
		}
	}
	const error = answer.error ? new HearthError(answer.error.code, answer.error.message) : undefined;
	return { text: answer.content, usage: answer.usage, status: answer.status, error };
}
