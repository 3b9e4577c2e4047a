import { getContext, setContext } from 'svelte';
import { createEngineFactory } from '$lib/engine/factory';
import { ModelStore } from '$lib/engine/model-store';
import { WebLlmEngine } from '$lib/engine/webllm';
import { InBrowserEngine } from '$lib/engine/in-browser';
import { createGgufRuntime } from '$lib/state/gguf-runtime';
import type { GgufModelsState } from '$lib/state/gguf-models.svelte';
import type { GgufEngine } from '$lib/engine/gguf';
import { createQuietFetch } from '$lib/engine/quiet-fetch';
import { probeGpuWith, type GpuLike } from '$lib/protocol/gpu-probe';
import { ModelsState } from '$lib/state/models.svelte';
import { ChatState } from '$lib/state/chat.svelte';
import { ConversationListState } from '$lib/state/conversations.svelte';
import { EngineState } from '$lib/state/engine.svelte';
import { PwaState } from '$lib/state/pwa.svelte';
import { SettingsState } from '$lib/state/settings.svelte';
import { ToastState } from '$lib/state/toasts.svelte';
import { ChatRepository } from '$lib/storage/chat-repo';
import type { HearthDb } from '$lib/storage/db';
import { openDatabase, requestPersistence, type OpenedDatabase } from '$lib/storage/open';
import { loadSettings } from '$lib/storage/settings-repo';
import { HearthError } from '$lib/types/errors';
import { errorTitle } from '$lib/utils/error-text';
import { activeStreamIds } from '$lib/utils/locks';
import { yieldToMain } from '$lib/utils/yield';
import { AgentServices } from '$lib/state/agent-services.svelte';
import { AttachmentsState } from '$lib/state/attachments.svelte';
import { BackupState } from '$lib/state/backup.svelte';
import type { NetFetch } from '$lib/net/types';
import { parseCitationUrl } from '$lib/components/knowledge/citations';
import type { KnowledgeServices } from '$lib/state/knowledge-services.svelte';
import type { MediaServices } from '$lib/state/media-services';
import type { EngineKind } from '$lib/types/llm';
import type { StoredImage } from '$lib/types/agent-data';
import type { FeedbackState } from '$lib/state/feedback.svelte';
import type { MetricsSink } from '$lib/metrics/types';

/** Everything the screens share, created once the database is open. */
export class AppState {
	readonly db: HearthDb;
	readonly repo: ChatRepository;
	readonly toasts = new ToastState();
	readonly pwa = new PwaState();
	readonly settings: SettingsState;
	readonly engine: EngineState;
	/** In-browser models: the device assessment, downloads and storage. */
	readonly models: ModelsState;
	/** GGUF models for llama.cpp in the browser: catalog, added ones, downloads. */
	readonly gguf: GgufModelsState;
	readonly #ggufEngine: GgufEngine;
	readonly list: ConversationListState;
	readonly chat: ChatState;
	/** Tools, the privacy ledger, reminders, shared folders and attachments. */
	readonly agent: AgentServices;
	/** Files attached to the open conversation. */
	readonly attachments: AttachmentsState;
	/** Settings → Data: backups out and in, delete everything. */
	readonly backup: BackupState;
	/**
	 * Thumbs up / down on the open conversation's answers, and answers made into eval cases;
	 * loaded with the first conversation opened (loadFeedback), not with the app shell.
	 */
	feedback = $state.raw<FeedbackState | null>(null);
	#feedback: Promise<FeedbackState> | null = null;
	/** Memories, past-conversation recall and the embeddings worker; loaded after first paint. */
	knowledge = $state.raw<KnowledgeServices | null>(null);
	/** Images in messages and voice in and out; loaded after first paint. */
	media = $state.raw<MediaServices | null>(null);
	/** Text dictated for the composer (the chat view takes it). */
	dictated = $state<{ text: string } | null>(null);
	/** Set when nothing will be saved (no IndexedDB): the banner explains. */
	readonly memoryOnly: string | null;
	/** The latest storage failure (quota above all), shown as a banner until dismissed. */
	storageError = $state<HearthError | null>(null);
	settingsOpen = $state(false);
	modelsOpen = $state(false);
	toolsOpen = $state(false);
	ledgerOpen = $state(false);
	knowledgeOpen = $state(false);
	memoryOpen = $state(false);
	/** Evals and metrics (one screen, two tabs; loaded on first open). */
	qualityOpen = $state(false);
	qualityTab = $state<'evals' | 'metrics'>('evals');
	/** A cited passage to show (set by a citation, taken by the knowledge host). */
	passage = $state<{ documentId: string; chunkId: string } | null>(null);
	sidebarOpen = $state(false);

	private constructor(
		db: HearthDb,
		settings: Awaited<ReturnType<typeof loadSettings>>,
		memoryOnly: string | null
	) {
		this.db = db;
		this.memoryOnly = memoryOnly;
		this.repo = new ChatRepository(db);
		const onError = (e: HearthError) => this.reportError(e);
		this.settings = new SettingsState(db, settings, onError);
		// A slider's last change is saved before the tab goes away, not lost to its debounce.
		globalThis.document?.addEventListener('visibilitychange', () => {
			if (document.visibilityState === 'hidden') this.settings.flush();
		});
		this.agent = new AgentServices({
			db,
			settings: () => this.settings.value,
			onReminder: (r) => this.toasts.push(`Reminder: ${r.text}`, { ms: 30_000 }),
			onMissed: (missed) =>
				this.toasts.push(
					missed.length === 1
						? `Missed while Hearth was closed: “${missed[0]!.text}”.`
						: `${missed.length} reminders were missed while Hearth was closed (see Tools and agents).`,
					{ ms: 15_000 }
				),
			onError
		});
		// One in-browser engine for the app's life: it owns the worker and the loaded model. It and
		// the models state refer to each other through closures, so neither needs the other first.
		const webllm = new WebLlmEngine({
			resolveSpec: (id) => this.models.specFor(id),
			listInstalled: () => this.models.listInstalled()
		});
		this.models = new ModelsState({
			store: createModelStore(this.agent.net),
			gpu: () => webllm.gpu(),
			pageGpu: () => probeGpuWith((navigator as { gpu?: GpuLike }).gpu),
			settings: () => this.settings.value,
			updateSettings: (patch) => this.settings.update(patch),
			requestPersistence,
			persisted: async () => (await navigator.storage?.persisted?.()) ?? false,
			onError,
			onInstalledChanged: () => void this.engine.refresh('webllm')
		});
		// llama.cpp (GGUF) beside web-llm: "In this browser" runs either, by model id. Without
		// WebGPU only web-llm is left out; GGUF models still run on the CPU.
		const gguf = createGgufRuntime({
			db,
			net: this.agent.net,
			settings: () => this.settings.value,
			updateSettings: (patch) => this.settings.update(patch),
			env: () => this.models.env,
			mlcRecommends: () => this.models.assessment?.recommended != null,
			onError,
			onInstalledChanged: () => void this.engine.refresh('webllm'),
			afterDownload: () => this.models.requestPersistence()
		});
		this.gguf = gguf.state;
		this.#ggufEngine = gguf.engine;
		const inBrowser = new InBrowserEngine({
			mlc: typeof navigator !== 'undefined' && 'gpu' in navigator ? webllm : null,
			gguf: gguf.engine
		});
		this.engine = new EngineState(
			() => this.settings.value,
			createEngineFactory({
				probeFetch: createQuietFetch(),
				webllm: () => inBrowser,
				preferredWebModel: (installed) => this.models.preferredInstalled(installed),
				onRetry: (info, label) => {
					// One notice at a time, gone once the answer settles (it could outlive a failure).
					this.#dismissRetryNotice();
					this.#retryNotice = this.toasts.push(
						`${label} did not answer (${info.error.message.slice(0, 80)}). Trying again in ${Math.ceil(info.delayMs / 1000)} s…`,
						{ ms: Math.max(3000, info.delayMs) }
					);
				}
			})
		);
		this.list = new ConversationListState(this.repo, this.toasts, onError);
		this.chat = new ChatState({
			tools: this.agent.chatDeps(),
			images: () => this.media?.chatHooks() ?? null,
			memory: {
				relevant: (query, signal, earlier) =>
					this.knowledge?.relevantFor(query, signal, earlier) ?? Promise.resolve(null),
				propose: (input) => this.knowledge?.proposeFrom(input) ?? Promise.resolve()
			},
			repo: this.repo,
			engine: this.engine,
			settings: () => this.settings.value,
			onChanged: () => void this.list.reload(),
			onError,
			onFirstSave: () => void requestPersistence(),
			onSettled: () => this.#dismissRetryNotice(),
			metrics: lazyMetricsSink(db)
		});
		this.attachments = new AttachmentsState(this.agent.attachments, this.chat, (e) =>
			this.toasts.push(`${errorTitle(e.code)}: ${e.message}`, { kind: 'error', ms: 8000 })
		);
		this.backup = new BackupState({
			db,
			store: this.repo,
			onError,
			onConversationsChanged: async () => {
				await this.list.reload();
				await this.chat.open(this.chat.conversation?.id ?? null);
			},
			onKnowledgeImported: () => void this.knowledge?.imported()
		});
		this.list.onRemoved = (id) => {
			if (this.chat.conversation?.id === id) void this.chat.open(null);
		};
	}

	/** The "trying again" notice showing now, if any. */
	#retryNotice: number | null = null;

	#dismissRetryNotice(): void {
		if (this.#retryNotice !== null) this.toasts.dismiss(this.#retryNotice);
		this.#retryNotice = null;
	}

	/**
	 * Builds the app's state in short steps, yielding between them: this runs while the page is
	 * already shown (the pre-rendered frame) and must not block it for long. The engine probes wait
	 * for afterInteractive().
	 * @param opening the database, when the caller started opening it before this module loaded
	 */
	static async create(opening: Promise<OpenedDatabase> = openDatabase()): Promise<AppState> {
		const opened = await opening;
		const settings = await loadSettings(opened.db);
		await yieldToMain();
		const app = new AppState(
			opened.db,
			settings,
			opened.memoryOnly ? (opened.reason ?? 'unknown') : null
		);
		await yieldToMain();
		await app.repo.markInterrupted(await activeStreamIds());
		await app.list.reload();
		return app;
	}

	/**
	 * What can wait until the app is usable (called once the shell is interactive): the service
	 * worker, reminders, the Python
	 * debug entry, knowledge and memory with the embeddings worker behind them, the media services,
	 * and the code an answer runs.
	 */
	afterInteractive(): void {
		// The engines are looked for once the shell is usable (the first-run card says so meanwhile):
		// the in-browser one reads the model caches, the others are network probes.
		void this.engine.refresh();
		// The service worker's registration and the reminder timers (which may read missed
		// reminders) wait for the first screen: neither shows anything before it.
		void this.pwa.start();
		this.agent.start();
		// The e2e tests and the Python benchmark drive the sandbox through this one entry.
		void import('$lib/python/shared').then(({ exposePythonDebugHook }) => exposePythonDebugHook());
		// The GGUF e2e spec and bench/gguf.js drive the in-browser engine through this one entry.
		void import('$lib/state/engine-debug').then(({ exposeEngineDebugHook }) =>
			exposeEngineDebugHook({
				engine: this.engine,
				registry: () => this.agent.loadRegistry(),
				ggufLoaded: () => this.#ggufEngine.loaded
			})
		);
		// Then, one at a time and each when the page is idle (nothing the first screen shows needs
		// them): knowledge and memory, images and voice, the code an answer runs (so the first
		// answer does not wait for it), the metrics' 30-day pruning. Loaded together they made one
		// long task of their chunks' evaluation; in turn, each is a short one.
		void inTurnWhenIdle([
			() => this.#startKnowledge(),
			() => this.#startMedia(),
			() => this.chat.warm(),
			() =>
				import('$lib/storage/metrics-repo').then(({ MetricsRepository }) =>
					new MetricsRepository(this.db).prune()
				)
		]);
	}

	loadFeedback(): Promise<FeedbackState> {
		this.#feedback ??= Promise.all([
			import('$lib/state/feedback.svelte'),
			import('$lib/storage/feedback-repo')
		]).then(
			([{ FeedbackState }, { FeedbackRepository }]) => {
				const db = this.db;
				this.feedback = new FeedbackState({
					store: new FeedbackRepository(db),
					evals: async () => new (await import('$lib/storage/eval-repo')).EvalRepository(db),
					onError: (e) => this.reportError(e),
					notice: (text) => this.toasts.push(text)
				});
				return this.feedback;
			},
			(e: unknown) => {
				// A failed chunk load (offline before it was cached) is tried again next time.
				this.#feedback = null;
				throw e;
			}
		);
		return this.#feedback;
	}

	async #startMedia(): Promise<void> {
		const { MediaServices } = await import('$lib/state/media-services');
		const { readAloud } = await import('$lib/state/read-aloud.svelte');
		this.media = new MediaServices({
			db: this.db,
			settings: () => this.settings.value,
			net: this.agent.net,
			engine: this.engine,
			ensureConversation: (name) => this.chat.ensureConversation(name),
			onTranscript: (text, { auto }) => {
				if (auto) void this.#sendSpoken(text);
				else this.dictated = { text };
			},
			offerVisionModel: (kind, model) => this.#offerVisionModel(kind, model),
			notice: (text) => this.toasts.push(text, { ms: 4000 }),
			onError: (e) => this.reportError(e)
		});
		readAloud(this.chat, this.media.voice);
	}

	/** Hands-free: what was said is sent; an answer still running is stopped (and saved) first. */
	async #sendSpoken(text: string): Promise<void> {
		await this.chat.stopAndWait();
		await this.chat.send(text, this.media?.pending.takeForSend() ?? [], { voice: true });
	}

	/** The model answering cannot see images: offer one on this device that can. */
	#offerVisionModel(kind: EngineKind, model: string): void {
		this.toasts.push(`The model answering can't see images; ${model} can.`, {
			ms: 15_000,
			action: {
				label: `Use ${model}`,
				run: async () => {
					await this.chat.setPin({ engine: kind, model });
					const last = this.chat.thread.at(-1);
					if (last?.role === 'assistant' && !this.chat.streaming) {
						await this.chat.regenerate(last);
					}
				}
			}
		});
	}

	async #startKnowledge(): Promise<void> {
		const { KnowledgeServices } = await import('$lib/state/knowledge-services.svelte');
		const knowledge = new KnowledgeServices({
			db: this.db,
			settings: () => this.settings.value,
			net: this.agent.net,
			onError: (e) => this.reportError(e),
			busy: () => this.chat.streaming !== null,
			onProposed: (count) =>
				this.toasts.push(
					count === 1
						? 'Hearth noticed something worth remembering: keep or discard it in Memory.'
						: `Hearth noticed ${count} things worth remembering: keep or discard them in Memory.`,
					{ ms: 8000 }
				)
		});
		// Exchanges still waiting to be read for memories are read before the page goes away.
		document.addEventListener('visibilitychange', () => {
			if (document.visibilityState === 'hidden') void knowledge.flushProposals();
		});
		this.knowledge = knowledge;
		this.agent.provideTools(knowledge.tools());
		// Its start (the embeddings worker, past conversations) goes on without holding the next
		// idle step back.
		void knowledge.start();
	}

	/**
	 * Follows a citation: a document passage opens in the viewer, a past conversation opens at
	 * the message, a web source in a new tab (no referrer).
	 */
	cite(url: string, open: (conversationId: string, messageId: string) => void): void {
		const target = parseCitationUrl(url);
		if (target?.kind === 'doc') {
			this.passage = { documentId: target.docId, chunkId: target.chunkId };
		} else if (target?.kind === 'chat') {
			open(target.conversationId, target.messageId);
		} else if (/^https?:\/\//i.test(url)) {
			window.open(url, '_blank', 'noopener,noreferrer');
		}
	}

	/**
	 * Stored images by id, for showing them in messages; just after a reload (before the media
	 * services have loaded) straight from their table.
	 */
	async readImages(ids: readonly string[]): Promise<StoredImage[]> {
		const images =
			this.media?.images ?? new (await import('$lib/storage/images-repo')).ImageRepository(this.db);
		return images.getMany(ids);
	}

	reportError(e: HearthError): void {
		if (e.code === 'quota_exceeded' || e.code.startsWith('storage')) this.storageError = e;
		else this.toasts.push(`${errorTitle(e.code)}: ${e.message}`, { kind: 'error', ms: 8000 });
	}
}

/** Records answers through the metrics repository, loaded with the first answer that settles. */
function lazyMetricsSink(db: HearthDb): MetricsSink {
	let repo: Promise<MetricsSink> | null = null;
	return {
		record: async (metric) => {
			repo ??= import('$lib/storage/metrics-repo').then(
				({ MetricsRepository }) => new MetricsRepository(db),
				(e: unknown) => {
					repo = null;
					throw e;
				}
			);
			await (await repo).record(metric);
		}
	};
}

/** Cache Storage is missing in some private modes: in-browser models then explain why. */
function createModelStore(net: NetFetch): ModelStore | NoModelStore {
	try {
		// Downloads go through the privacy ledger (never blocked by "offline only").
		return new ModelStore({ net });
	} catch (e) {
		return new NoModelStore(e);
	}
}

/** Stands in for the store where Cache Storage is unavailable: every call says so. */
class NoModelStore {
	readonly #error: HearthError;
	constructor(cause: unknown) {
		this.#error = new HearthError(
			'storage_unavailable',
			'This browser does not let Hearth store model files here (Cache Storage is off, as in some private windows).',
			{ cause }
		);
	}
	inspect(): never {
		throw this.#error;
	}
	download(): never {
		throw this.#error;
	}
	delete(): never {
		throw this.#error;
	}
}

const KEY = Symbol('hearth-app');

export function setAppContext(app: AppState): AppState {
	return setContext(KEY, app);
}

export function useApp(): AppState {
	const app = getContext<AppState | undefined>(KEY);
	if (!app) throw new Error('useApp() called outside <AppProvider>');
	return app;
}

/**
 * Runs each step when the main thread is idle (or after `timeoutMs` at the latest), one after the
 * other. A step that fails does not stop the next: each is an optional part that shows its own
 * error where it is used.
 */
async function inTurnWhenIdle(steps: (() => Promise<unknown>)[], timeoutMs = 3000): Promise<void> {
	const idle = (): Promise<void> =>
		new Promise((resolve) => {
			if (typeof requestIdleCallback === 'function') {
				requestIdleCallback(() => resolve(), { timeout: timeoutMs });
			} else setTimeout(resolve, 200);
		});
	for (const step of steps) {
		await idle();
		await step().catch(() => undefined);
	}
}
