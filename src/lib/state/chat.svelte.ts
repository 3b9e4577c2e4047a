import type { GenerationOptions } from '$lib/engine/types';
import type { ChatRepository } from '$lib/storage/chat-repo';
import type { EngineState } from '$lib/state/engine.svelte';
import type { Conversation, ConversationSummary, ImageRef, Message } from '$lib/types/chat';
import type { EngineKind } from '$lib/types/llm';
import type { Visual } from '$lib/utils/thread';
import { toHearthError, type HearthError } from '$lib/types/errors';
import type { Settings } from '$lib/types/settings';
import { holdStreamLock } from '$lib/utils/locks';
import { buildThread, childrenByParent, newestLeaf } from '$lib/utils/thread';
import { TokenCalibration } from '$lib/utils/tokens';
import { stripReasoning } from '$lib/utils/reasoning';
import { throttled } from '$lib/utils/throttle';
import { cleanGeneratedTitle, TITLE_PROMPT, titleFromText } from '$lib/utils/title';
import type { AgentRun } from '$lib/agent/loop';
import type { StreamOptions, TurnHost } from '$lib/state/answer-turn.svelte';
import type { LlmEngine } from '$lib/engine/types';
import type { NetFetch } from '$lib/net/types';
import type { ToolRegistry } from '$lib/tools/registry';
// Type-only: erased at build time, so the turn's code stays out of the first paint.
import type * as TurnModule from '$lib/state/answer-turn.svelte';
import type { ToolAttachment } from '$lib/tools/types';

/** How often streamed text is written to IndexedDB: a crash loses at most this much. */
const SAVE_EVERY_MS = 250;

export interface ChatDeps {
	repo: ChatRepository;
	engine: EngineState;
	settings: () => Settings;
	/** A conversation was created or changed (the sidebar reloads). */
	onChanged: () => void;
	/** Storage failures: the answer keeps streaming in memory, the user is told. */
	onError: (e: HearthError) => void;
	/** The first message was saved: a good moment to ask for persistent storage. */
	onFirstSave?: () => void;
	/** Tools the agents may call; without them every answer is a plain reply. */
	tools?: AgentToolDeps;
	/** Long-term memory: what to tell the model about the user, and what to propose keeping. */
	memory?: MemoryHooks;
	/** Images sent with messages (loaded after first paint; absent, messages carry none). */
	images?: () => ImageHooks | null;
}

export interface ImageHooks {
	/** Hands the composer's stored images to the message they were sent with. */
	attach(ids: string[], messageId: string): Promise<void>;
	/**
	 * What each message's images become for this model: the pixels when it sees, else the text
	 * read from them on this device (stored on the message through `saveImages`).
	 */
	visuals(input: {
		thread: readonly Message[];
		kind: EngineKind;
		model: string;
		signal: AbortSignal;
		saveImages: (messageId: string, images: ImageRef[]) => Promise<void>;
	}): Promise<Map<string, Visual>>;
}

export interface MemoryHooks {
	/**
	 * The memories relevant to a message and their prompt block; null when there are none.
	 * `earlier`: ids the conversation already used, kept first in the same order (stable prompt).
	 */
	relevant(
		query: string,
		signal: AbortSignal,
		earlier?: readonly string[]
	): Promise<{ block: string; used: { id: string; text: string }[] } | null>;
	/** Looks for durable facts in a finished exchange and stores them as proposals. */
	propose(input: {
		engine: LlmEngine;
		model: string;
		userText: string;
		answer: string;
		conversationId: string;
	}): Promise<void>;
}

export interface AgentToolDeps {
	/** Loaded on first use (the tools are not part of the first paint). */
	registry(): Promise<ToolRegistry>;
	/** The ledgered fetch every tool request goes through. */
	net: NetFetch;
	hasWritableFolder(): Promise<boolean>;
	attachments(conversationId: string): Promise<ToolAttachment[]>;
}

// The answer turn (the agent, its prompts and the history budget) is not part of the first paint.
// It loads on idle (ChatState.warm) so a first answer does not wait for it; the service worker
// has it precached, so offline is no different.
let turnModule: Promise<typeof TurnModule> | null = null;
function loadTurn() {
	turnModule ??= import('$lib/state/answer-turn.svelte').catch((e: unknown) => {
		turnModule = null; // a chunk missing now may load on the next try
		throw e;
	});
	return turnModule;
}

/** The open conversation: its message tree, the visible branch, and sending/streaming. */
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
	#deps: ChatDeps;
	#abort: AbortController | null = null;
	/** Resolves when the answer streaming now (if any) has finished and been saved. */
	#settled: Promise<void> = Promise.resolve();
	/** The agent loop of the answer streaming now (its cards can be cancelled one by one). */
	#run: AgentRun | null = null;
	/** Tool calls waiting on the user's yes or no, by call id. */
	// Not rendered: the cards show the call's status, which the loop sets.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	readonly #pending = new Map<string, (yes: boolean) => void>();
	#openSeq = 0;
	#savedOnce = false;
	/** Per model: how far token estimates are off, learnt from reported usage (this visit only). */
	// Not rendered anywhere, so it need not be reactive.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	readonly #calibrations = new Map<string, TokenCalibration>();

	constructor(deps: ChatDeps) {
		this.#deps = deps;
	}

	/** What one answer's turn (state/answer-turn.ts) needs from this state. */
	readonly #turnHost: TurnHost = {
		deps: () => this.#deps,
		conversation: (id) => this.#conversationOf(id),
		calibration: (model) => this.#calibrationFor(model),
		storeSummary: (id, summary) => this.#storeSummary(id, summary),
		waitForAnswer: (callId) => this.#waitForAnswer(callId),
		setRun: (run) => (this.#run = run),
		setReviewing: (id) => (this.reviewing = id),
		saveImages: (id, images) => this.#saveImages(id, images)
	};

	/** Stores what was read from a message's images (its OCR text), here and on disk. */
	async #saveImages(messageId: string, images: ImageRef[]): Promise<void> {
		const shown = this.byId.get(messageId);
		if (shown) shown.images = images;
		await this.#deps.repo
			.updateMessage(messageId, { images })
			.catch((e: unknown) => this.#deps.onError(toHearthError(e)));
	}

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

	/** Sends a message (with the composer's images, if any) and streams the answer. */
	async send(text: string, images: ImageRef[] = []): Promise<void> {
		if ((!text.trim() && images.length === 0) || this.streaming) return;
		await this.#ask(text, (conversation) => conversation.leafId, images);
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
		images: ImageRef[] = []
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
			if (images.length) {
				await this.#deps.images?.()?.attach(
					images.map((i) => i.id),
					user.id
				);
			}
			await this.#answer(user);
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
		message.content = '';
		message.error = undefined;
		await this.#stream(message, this.#threadThrough(parent), { append: false });
	}

	stop(): void {
		this.#abort?.abort();
	}

	/** Loads what answering needs before the first message (called when the page is idle). */
	async warm(): Promise<void> {
		await Promise.all([loadTurn(), this.#deps.tools?.registry()]);
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
		await this.#setLeaf(newestLeaf(this.children, next.id));
	}

	async #setLeaf(leafId: string): Promise<void> {
		if (!this.conversation) return;
		this.conversation.leafId = leafId;
		await this.#deps.repo
			.updateConversation(this.conversation.id, { leafId })
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
		const conversation = await this.#deps.repo.createConversation({
			title: titleFromText(text),
			model: this.#deps.engine.model ?? undefined,
			engine: this.#deps.engine.active?.kind
		});
		this.conversation = conversation;
		this.messages = [];
		return this.conversation;
	}

	/** Saves a message, shows it, and makes it the leaf. Returns the reactive copy. */
	async #add(init: Parameters<ChatRepository['addMessage']>[0]): Promise<Message> {
		const saved = await this.#deps.repo.addMessage(init);
		if (!this.#savedOnce) {
			this.#savedOnce = true;
			this.#deps.onFirstSave?.();
		}
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

	async #answer(parent: Message, agent?: Message['agent']): Promise<void> {
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
		await this.#stream(assistant, thread, { append: false, agent });
		if (firstAnswer && assistant.status === 'done') void this.#autoTitle(assistant.conversationId);
	}

	async #stream(target: Message, thread: Message[], { append, agent: asked }: StreamOptions) {
		const { repo } = this.#deps;
		const abort = new AbortController();
		this.#abort = abort;
		let settle = () => {};
		this.#settled = new Promise<void>((resolve) => (settle = resolve));
		this.streaming = { conversationId: target.conversationId, messageId: target.id };
		const release = holdStreamLock(target.id);
		// A failed save (a full disk) is reported once; the answer keeps streaming on screen and
		// what was saved before stays saved.
		let reported = false;
		const saveFailed = (e: unknown) => {
			if (reported) return;
			reported = true;
			this.#deps.onError(toHearthError(e));
		};
		const save = throttled(
			() =>
				repo
					.updateMessage(target.id, {
						content: target.content,
						toolCalls: $state.snapshot(target.toolCalls)
					})
					.catch(saveFailed),
			SAVE_EVERY_MS
		);
		target.status = 'streaming';
		// Shown once everything is saved and a next message can be sent (never "done" while busy).
		let outcome: Message['status'] = 'done';
		if (!append) {
			target.content = '';
			target.reasoningMs = undefined;
			target.toolCalls = undefined;
			target.revision = undefined;
		}
		try {
			await repo
				.updateMessage(target.id, { status: 'streaming', content: target.content })
				.catch(saveFailed);
			const { runTurn } = await loadTurn();
			await runTurn(this.#turnHost, target, thread, { append, agent: asked }, abort.signal, () =>
				save.schedule()
			);
		} catch (e) {
			const error = toHearthError(e);
			outcome = error.code === 'aborted' ? 'aborted' : 'error';
			if (error.code !== 'aborted') target.error = error.toJSON();
		} finally {
			this.#run = null;
			this.reviewing = null;
			for (const [id, answer] of this.#pending) {
				this.#pending.delete(id);
				answer(false);
			}
			await save.settle(); // the write below carries the content too
			await repo
				.updateMessage(target.id, {
					content: target.content,
					status: outcome,
					model: target.model,
					engine: target.engine,
					reasoningMs: target.reasoningMs,
					context: $state.snapshot(target.context),
					usage: $state.snapshot(target.usage),
					timings: $state.snapshot(target.timings),
					error: $state.snapshot(target.error),
					toolCalls: $state.snapshot(target.toolCalls),
					agent: $state.snapshot(target.agent),
					revision: $state.snapshot(target.revision),
					memories: $state.snapshot(target.memories)
				})
				.catch(saveFailed);
			release();
			if (this.#abort === abort) this.#abort = null;
			target.status = outcome;
			this.streaming = null;
			settle();
			this.#deps.onChanged();
		}
	}

	/** Resolves when the user answers the card's question (Allow / Don't allow). */
	#waitForAnswer(callId: string): Promise<boolean> {
		return new Promise((resolve) => this.#pending.set(callId, resolve));
	}

	/** The user's yes or no to a tool call waiting on its card. */
	answerCall(callId: string, yes: boolean): void {
		const answer = this.#pending.get(callId);
		this.#pending.delete(callId);
		answer?.(yes);
	}

	/** Stops one running tool call (its card's cancel); the model is told. */
	cancelCall(callId: string): void {
		this.#run?.cancelCall(callId);
	}

	#calibrationFor(model: string): TokenCalibration {
		let calibration = this.#calibrations.get(model);
		if (!calibration) {
			calibration = new TokenCalibration();
			this.#calibrations.set(model, calibration);
		}
		return calibration;
	}

	async #storeSummary(conversationId: string, summary: ConversationSummary | undefined) {
		const conversation = this.#conversationOf(conversationId);
		if (conversation) conversation.summary = summary;
		await this.#deps.repo
			.updateConversation(conversationId, { summary })
			.catch((e: unknown) => this.#deps.onError(toHearthError(e)));
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
		await this.#deps.repo
			.updateConversation(conversation.id, $state.snapshot(patch))
			.catch((e: unknown) => this.#deps.onError(toHearthError(e)));
	}

	async #autoTitle(conversationId: string): Promise<void> {
		const { repo, engine, settings } = this.#deps;
		if (!settings().autoTitle) return;
		const conversation = await repo.getConversation(conversationId);
		const first = this.messages.find(
			(m) => m.conversationId === conversationId && m.role === 'user'
		);
		if (!conversation || conversation.titleFinal || !first) return;
		try {
			let raw = '';
			const choice = await engine.choose(conversation.pin);
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
			if (!title) return;
			await repo.updateConversation(conversationId, { title, titleFinal: true });
			if (this.conversation?.id === conversationId) this.conversation.title = title;
			this.#deps.onChanged();
		} catch {
			// The heuristic title stays; a failed title is not worth interrupting anyone for.
		}
	}
}
