import type { GenerationOptions } from '$lib/engine/types';
import type { ChatStore } from '$lib/conversation/chat-store';
import type { ToolApprovals } from '$lib/conversation/ports';
import {
	ConversationService,
	type AnswerRun,
	type ConversationServiceDeps
} from '$lib/conversation/service';
import { applyTurnEvent } from '$lib/conversation/turn-events';
import type { EngineState } from '$lib/state/engine.svelte';
import type { Conversation, ImageRef, Message } from '$lib/types/chat';
import type { ToolDecision } from '$lib/types/tools';
import { toHearthError, type HearthError } from '$lib/types/errors';
import { holdStreamLock } from '$lib/utils/locks';
import { buildThread, childrenByParent, newestLeaf } from '$lib/utils/thread';

export interface ChatDeps extends Omit<ConversationServiceDeps, 'store' | 'engines' | 'onError'> {
	repo: ChatStore;
	engine: EngineState;
	/** A conversation was created or changed (the sidebar reloads). */
	onChanged: () => void;
	/** Storage failures: the answer keeps streaming in memory, the user is told. */
	onError: (e: HearthError) => void;
	/** An answer ended (done, stopped or failed) and is saved. */
	onSettled?: () => void;
}

/**
 * The open conversation as the browser shows it: its message tree, the visible branch, and the
 * answer streaming now. The conversation service (the core) does the work; this view keeps the
 * reactive copy, applies the service's events to it, and asks for tool approvals on the cards.
 */
export class ChatState {
	conversation = $state<Conversation | null>(null);
	messages = $state<Message[]>([]);
	/** The answer being streamed, wherever it is (one at a time). */
	streaming = $state<{ conversationId: string; messageId: string } | null>(null);
	/** The answer whose draft is being critiqued and revised (self-reflection). */
	reviewing = $state<string | null>(null);
	// Rebuilt whole on every change and never mutated: a plain Map is right here.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	byId = $derived(new Map(this.messages.map((m) => [m.id, m])));
	children = $derived(childrenByParent(this.messages));
	thread = $derived(buildThread(this.byId, this.conversation?.leafId ?? null));
	readonly #deps: ChatDeps;
	readonly #service: ConversationService;
	#abort: AbortController | null = null;
	/** Resolves when the answer streaming now (if any) has finished and been saved. */
	#settled: Promise<void> = Promise.resolve();
	/** The answer running now (its cards can be cancelled one by one). */
	#run: AnswerRun | null = null;
	/** Tool calls waiting on the user's yes or no, by call id. */
	// Not rendered: the cards show the call's status, which the loop sets.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	readonly #pending = new Map<string, (answer: ToolDecision) => void>();
	#openSeq = 0;

	constructor(deps: ChatDeps) {
		this.#deps = deps;
		this.#service = new ConversationService({
			...deps,
			store: deps.repo,
			engines: deps.engine
		});
	}

	/**
	 * The person's answer to a tool call comes from the Allow / Don't allow on its card (a plan's
	 * card answers with its edited call).
	 */
	readonly #approvals: ToolApprovals = {
		confirm: (record) => this.#waitForAnswer(record.id),
		ask: async (record) => (await this.#waitForAnswer(record.id)) !== false
	};

	get isStreamingHere(): boolean {
		return this.streaming !== null && this.streaming.conversationId === this.conversation?.id;
	}

	/** Opens a stored conversation, or an empty new chat for null. */
	async open(id: string | null): Promise<void> {
		const seq = ++this.#openSeq;
		if (id === null) {
			this.conversation = null;
			this.messages = [];
			return;
		}
		try {
			const [conversation, messages] = await Promise.all([
				this.#deps.repo.getConversation(id),
				this.#deps.repo.messagesOf(id)
			]);
			if (seq !== this.#openSeq) return;
			this.conversation = conversation ?? null;
			this.messages = conversation ? messages : [];
		} catch (e) {
			this.#deps.onError(toHearthError(e));
		}
	}

	/** Siblings of a message (its edits or regenerations), oldest first. */
	siblingsOf(message: Message): Message[] {
		return this.children.get(message.parentId) ?? [message];
	}

	/**
	 * Sends a message (with the composer's images, if any) and streams the answer; `voice` says it
	 * was spoken (counted in the local metrics).
	 */
	async send(
		text: string,
		images: ImageRef[] = [],
		options: { voice?: boolean } = {}
	): Promise<void> {
		if ((!text.trim() && images.length === 0) || this.streaming) return;
		await this.#ask(text, (conversation) => conversation.leafId, images, options.voice);
	}

	/**
	 * A new answer to the same question, kept beside the old one; with `agentId`, that agent
	 * answers it (the user's override of the router).
	 */
	async regenerate(message: Message, agentId?: string): Promise<void> {
		const parent = message.parentId ? this.byId.get(message.parentId) : undefined;
		if (!parent || this.streaming) return;
		const agent = agentId
			? { id: agentId, name: agentId, chosenBy: 'user' as const, reason: 'You chose this agent.' }
			: undefined;
		await this.#answer(parent, agent).catch((e: unknown) => this.#deps.onError(toHearthError(e)));
	}

	/** The agent this conversation always uses (null: the router picks per message again). */
	async setAgent(agentId: string | null): Promise<void> {
		await this.#patchConversation({ agentId: agentId ?? undefined });
	}

	/** Sends an edited copy of a user message as a new branch; the original stays reachable. */
	async editAndResend(message: Message, text: string): Promise<void> {
		if ((!text.trim() && !message.images?.length) || this.streaming || !this.conversation) return;
		// The edit keeps the images the original was sent with.
		await this.#ask(text, () => message.parentId, $state.snapshot(message.images) ?? []);
	}

	/** Saves a user message under `parentOf(conversation)` and streams the answer to it. */
	async #ask(
		text: string,
		parentOf: (c: Conversation) => string | null,
		images: ImageRef[] = [],
		voice?: boolean
	): Promise<void> {
		try {
			const conversation =
				this.conversation ??
				(await this.#createConversation(text || images.map((i) => i.name).join(', ')));
			const user = await this.#add({
				conversationId: conversation.id,
				parentId: parentOf(conversation),
				role: 'user',
				content: text,
				status: 'done',
				...(images.length ? { images } : {})
			});
			await this.#service.attachImages(
				images.map((i) => i.id),
				user.id
			);
			await this.#answer(user, undefined, voice);
		} catch (e) {
			this.#deps.onError(toHearthError(e));
		}
	}

	/** Asks the model to carry on from where an interrupted or stopped answer ended. */
	async continueAnswer(message: Message): Promise<void> {
		if (this.streaming || message.role !== 'assistant') return;
		await this.#stream(message, this.#threadThrough(message), { append: true });
	}

	/** Tries a failed answer again in place. */
	async retry(message: Message): Promise<void> {
		if (this.streaming || message.role !== 'assistant') return;
		const parent = message.parentId ? this.byId.get(message.parentId) : undefined;
		if (!parent) return;
		await this.#stream(message, this.#threadThrough(parent), { append: false });
	}

	stop(): void {
		this.#abort?.abort();
	}

	/** Loads what answering needs before the first message (called when the page is idle). */
	warm(): Promise<void> {
		return this.#service.warm();
	}

	/** Stops the answer running now; resolves once it is saved and a next message can be sent. */
	async stopAndWait(): Promise<void> {
		this.stop();
		await this.#settled;
	}

	async showSibling(message: Message, step: -1 | 1): Promise<void> {
		const siblings = this.siblingsOf(message);
		const next = siblings[siblings.indexOf(message) + step];
		if (!next || !this.conversation) return;
		const leafId = newestLeaf(this.children, next.id);
		this.conversation.leafId = leafId;
		await this.#service
			.patchConversation(this.conversation.id, { leafId })
			.catch((e: unknown) => this.#deps.onError(toHearthError(e)));
	}

	/** The open conversation, created (titled from `text`) when this is a new chat. */
	async ensureConversation(text: string): Promise<Conversation> {
		if (this.conversation) return this.conversation;
		const created = await this.#createConversation(text);
		this.#deps.onChanged();
		return created;
	}

	async #createConversation(text: string): Promise<Conversation> {
		this.conversation = await this.#service.createConversation(text, {
			model: this.#deps.engine.model ?? undefined,
			engine: this.#deps.engine.active?.kind
		});
		this.messages = [];
		return this.conversation;
	}

	/** Saves a message, shows it, and makes it the leaf. Returns the reactive copy. */
	async #add(init: Parameters<ConversationService['addMessage']>[0]): Promise<Message> {
		const saved = await this.#service.addMessage(init);
		if (this.conversation?.id === saved.conversationId) {
			this.messages.push(saved);
			this.conversation.leafId = saved.id;
			this.conversation.updatedAt = saved.updatedAt;
			return this.messages[this.messages.length - 1]!;
		}
		return saved;
	}

	/** The branch up to `message`, as plain copies: statuses change once streaming starts. */
	#threadThrough(message: Message): Message[] {
		return buildThread(this.byId, message.id).map((m) => $state.snapshot(m));
	}

	async #answer(parent: Message, agent?: Message['agent'], voice?: boolean): Promise<void> {
		const engine = this.#deps.engine;
		const thread = this.#threadThrough(parent);
		const assistant = await this.#add({
			conversationId: parent.conversationId,
			parentId: parent.id,
			role: 'assistant',
			content: '',
			status: 'streaming',
			model: engine.model ?? undefined,
			engine: engine.active?.kind
		});
		const firstAnswer = this.thread.length <= 2;
		await this.#stream(assistant, thread, { append: false, agent, voice });
		if (firstAnswer && assistant.status === 'done') void this.#autoTitle(assistant.conversationId);
	}

	/** Runs the service's answer and shows each of its events on `target`, the reactive copy. */
	async #stream(
		target: Message,
		thread: Message[],
		{ append, agent, voice }: { append: boolean; agent?: Message['agent']; voice?: boolean }
	): Promise<void> {
		const abort = new AbortController();
		this.#abort = abort;
		let settle = () => {};
		this.#settled = new Promise<void>((resolve) => (settle = resolve));
		this.streaming = { conversationId: target.conversationId, messageId: target.id };
		const release = holdStreamLock(target.id);
		let finished = false;
		const finish = () => {
			if (finished) return;
			finished = true;
			this.#finish(abort, run, target.id);
		};
		const run = this.#service.answer({
			answer: $state.snapshot(target),
			thread,
			conversation: $state.snapshot(this.#conversationOf(target.conversationId)),
			append,
			agent,
			approvals: this.#approvals,
			signal: abort.signal,
			voice
		});
		this.#run = run;
		try {
			for await (const event of run) {
				if (event.type === 'summary') {
					const conversation = this.#conversationOf(target.conversationId);
					if (conversation) conversation.summary = event.summary;
				} else if (event.type === 'images') {
					const shown = this.byId.get(event.messageId);
					if (shown) shown.images = event.images;
				} else if (event.type === 'reviewing') {
					this.reviewing = event.on ? target.id : null;
				} else if (event.type === 'status' && event.status !== 'streaming') {
					// The answer is saved: a next message can be sent (never "done" while busy).
					finish();
				}
				applyTurnEvent(target, event);
			}
		} finally {
			finish();
			release();
			settle();
			this.#deps.onSettled?.();
			this.#deps.onChanged();
		}
	}

	/**
	 * Ends one answer's bookkeeping (once): no more cards to answer, nothing streaming. A next
	 * answer may already have started, so only what is still this answer's is cleared.
	 */
	#finish(abort: AbortController, run: AnswerRun, messageId: string): void {
		if (this.#run === run) {
			this.#run = null;
			for (const [id, answer] of this.#pending) {
				this.#pending.delete(id);
				answer(false);
			}
		}
		if (this.reviewing === messageId) this.reviewing = null;
		if (this.#abort === abort) this.#abort = null;
		if (this.streaming?.messageId === messageId) this.streaming = null;
	}

	/** Resolves when the user answers the card's question (Allow / Don't allow). */
	#waitForAnswer(callId: string): Promise<ToolDecision> {
		return new Promise((resolve) => this.#pending.set(callId, resolve));
	}

	/** The user's yes or no (or yes to an edited plan) to a tool call waiting on its card. */
	answerCall(callId: string, answer: ToolDecision): void {
		const resolve = this.#pending.get(callId);
		this.#pending.delete(callId);
		resolve?.(answer);
	}

	/** Stops one running tool call (its card's cancel); the model is told. */
	cancelCall(callId: string): void {
		this.#run?.cancelCall(callId);
	}

	/** The open conversation's record when `id` is it (pins and options live there). */
	#conversationOf(id: string): Conversation | null {
		return this.conversation?.id === id ? this.conversation : null;
	}

	/** Pins this conversation to an engine and model (null: follow the default chain again). */
	async setPin(pin: Conversation['pin'] | null): Promise<void> {
		await this.#patchConversation({ pin: pin ?? undefined });
	}

	/** Generation settings for this conversation only (null: use the defaults again). */
	async setOptions(options: GenerationOptions | null): Promise<void> {
		await this.#patchConversation({ options: options ?? undefined });
	}

	async #patchConversation(
		patch: Partial<Pick<Conversation, 'pin' | 'options' | 'agentId'>>
	): Promise<void> {
		const conversation = this.conversation;
		if (!conversation) return;
		Object.assign(conversation, patch);
		await this.#service
			.patchConversation(conversation.id, $state.snapshot(patch))
			.catch((e: unknown) => this.#deps.onError(toHearthError(e)));
	}

	/** Titles wait until nothing is being answered: a title never delays an answer. */
	async #autoTitle(conversationId: string): Promise<void> {
		await whenIdle();
		while (this.streaming) await this.#settled;
		const title = await this.#service.autoTitle(conversationId);
		if (!title) return;
		if (this.conversation?.id === conversationId) this.conversation.title = title;
		this.#deps.onChanged();
	}
}

/** Resolves when the page is idle (soon, at the latest). */
function whenIdle(): Promise<void> {
	return new Promise((resolve) => {
		if (typeof requestIdleCallback === 'function') {
			requestIdleCallback(() => resolve(), { timeout: 2000 });
		} else setTimeout(resolve, 0);
	});
}
