import type { EngineState } from '$lib/state/engine.svelte';
import type { ImageHooks } from '$lib/conversation/ports';
import { PendingImagesState } from '$lib/state/images.svelte';
import { VoiceState, type TranscriptMeta } from '$lib/state/voice.svelte';
import type { HearthDb } from '$lib/storage/db';
import { ImageRepository } from '$lib/storage/images-repo';
import type { NetFetch } from '$lib/net/types';
import type { Message } from '$lib/types/chat';
import { toHearthError, type HearthError } from '$lib/types/errors';
import type { EngineKind } from '$lib/types/llm';
import type { Settings } from '$lib/types/settings';
import type { Visual } from '$lib/utils/thread';
import { BrowserSpeechToText, findRecognition } from '$lib/voice/browser-stt';
import type { SpeechToText } from '$lib/voice/types';
import { whisperFromSettings, type WhisperSpeechToText } from '$lib/voice/whisper';
import {
	modelSeesByName,
	ollamaSees,
	ollamaVisionModels,
	visionModelsAmong
} from '$lib/vision/vision-models';
import { ocrPromptText } from '$lib/vision/ocr-text';
import type { OcrReader } from '$lib/vision/ocr';

// Voice and vision, loaded after the first paint (nothing on the first screen needs them):
// images waiting in the composer and sent with messages, what those images become for the model
// that answers (pixels for a vision model, else the text read from them on this device), and
// the voice state with its recogniser (Whisper on this device, or the browser's own).

export interface MediaDeps {
	db: HearthDb;
	settings: () => Settings;
	net: NetFetch;
	engine: EngineState;
	/** The open conversation, created (named after the images) in a new chat. */
	ensureConversation: (nameHint: string) => Promise<{ id: string }>;
	onTranscript: (text: string, meta: TranscriptMeta) => void;
	/** Offers a model that can see, when the one answering cannot (a toast with an action). */
	offerVisionModel: (kind: EngineKind, model: string) => void;
	/** Says what is happening to an image (reading its text) while an answer waits for it. */
	notice: (text: string) => void;
	onError: (e: HearthError) => void;
	/** The on-device OCR (Tesseract from /ocr/ by default, loaded on first use). */
	createOcr?: () => Promise<OcrLike>;
}

/** The part of vision/ocr's OcrReader used here. */
export type OcrLike = Pick<OcrReader, 'read' | 'dispose'>;

export class MediaServices {
	readonly images: ImageRepository;
	readonly pending: PendingImagesState;
	readonly voice: VoiceState;
	readonly #deps: MediaDeps;
	#whisper: { key: string; stt: WhisperSpeechToText } | undefined;
	#browser: BrowserSpeechToText | undefined;
	#ocr: Promise<OcrLike> | undefined;

	constructor(deps: MediaDeps) {
		this.#deps = deps;
		this.images = new ImageRepository(deps.db);
		this.pending = new PendingImagesState({
			repo: this.images,
			ensureConversation: deps.ensureConversation,
			maxSide: () => deps.settings().imageMaxSide,
			prepare: async (file, maxSide) => {
				const { prepareImage } = await import('$lib/vision/downscale');
				return prepareImage(file, file.name, maxSide);
			},
			onError: deps.onError
		});
		this.voice = new VoiceState({
			stt: () => this.stt(),
			isDownloaded: () =>
				deps.settings().sttEngine === 'whisper'
					? this.whisper().isDownloaded()
					: Promise.resolve(true),
			prefs: () => deps.settings(),
			onTranscript: deps.onTranscript,
			onError: deps.onError
		});
	}

	/** The recogniser the settings ask for; Whisper is made again when its model or language changes. */
	stt(): SpeechToText {
		if (this.#deps.settings().sttEngine === 'browser') {
			const ctor = findRecognition();
			if (ctor) return (this.#browser ??= new BrowserSpeechToText(ctor));
		}
		return this.whisper();
	}

	whisper(): WhisperSpeechToText {
		const s = this.#deps.settings();
		const key = `${s.sttModel}|${s.sttLanguage}|${s.sttHubUrl}`;
		if (this.#whisper?.key !== key) {
			this.#whisper?.stt.dispose();
			this.#whisper = { key, stt: whisperFromSettings(s, this.#deps.net) };
		}
		return this.#whisper.stt;
	}

	/** What the chat needs: attaching sent images, and turning a thread's images into a request. */
	chatHooks(): ImageHooks {
		return {
			attach: (ids, messageId) => this.images.attach(ids, messageId),
			visuals: (input) => this.#visuals(input)
		};
	}

	/** Whether `model` on `kind` takes images: Ollama says so itself (/api/show), others by name. */
	async sees(kind: EngineKind, model: string, signal?: AbortSignal): Promise<boolean> {
		if (kind !== 'ollama') return modelSeesByName(kind, model);
		return ollamaSees(
			this.#deps.settings().ollamaUrl,
			model,
			(url, init) => fetch(url, init),
			signal
		);
	}

	/**
	 * Per user message with images: the images themselves for a model that sees (the in-browser
	 * vision model gets only the newest ones: its window is small), else the text read from them
	 * on this device (kept on the message, so it is read once), else their names.
	 */
	async #visuals(input: Parameters<ImageHooks['visuals']>[0]): Promise<Map<string, Visual>> {
		const { thread, kind, model, signal } = input;
		const withImages = thread.filter((m) => m.role === 'user' && m.images?.length);
		const out = new Map<string, Visual>();
		if (withImages.length === 0) return out;
		const sees = await this.sees(kind, model, signal);
		const newest = withImages.at(-1);
		for (const message of withImages) {
			const refs = message.images ?? [];
			if (sees && (kind !== 'webllm' || message === newest)) {
				out.set(message.id, { images: await this.images.readForChat(refs) });
				continue;
			}
			if (!sees && message === newest) this.#offerVision(kind, model, signal);
			if (!this.#deps.settings().ocrFallback) {
				out.set(message.id, { text: refs.map((r) => `[Image: ${r.name}]`).join('\n') });
				continue;
			}
			const read = await this.#readText(message, input.saveImages, signal);
			out.set(message.id, {
				text: read
					.map((r) =>
						r.ocrText
							? ocrPromptText(r.name, r.ocrText)
							: `[Image: ${r.name}, ${r.ocrText === '' ? 'no text found in it' : 'its text could not be read'}]`
					)
					.join('\n\n')
			});
		}
		return out;
	}

	/** OCR for the message's images that have not been read yet; the results are stored on it. */
	async #readText(
		message: Message,
		save: (messageId: string, images: NonNullable<Message['images']>) => Promise<void>,
		signal: AbortSignal
	): Promise<NonNullable<Message['images']>> {
		const refs = message.images ?? [];
		if (refs.every((r) => r.ocrText !== undefined)) return refs;
		const rows = await this.images.getMany(
			refs.filter((r) => r.ocrText === undefined).map((r) => r.id)
		);
		const read = new Map<string, string>();
		for (const row of rows) {
			this.#deps.notice(`Reading the text in ${row.name} on this device…`);
			try {
				this.#ocr ??= (this.#deps.createOcr ?? defaultOcr)();
				const result = await (await this.#ocr).read(row.data, { signal });
				read.set(row.id, result.text);
			} catch (e) {
				const error = toHearthError(e);
				if (error.code === 'aborted') throw error;
				// Not stored: the next answer tries again.
				this.#deps.onError(error);
			}
		}
		const updated = refs.map((r) => (read.has(r.id) ? { ...r, ocrText: read.get(r.id) } : r));
		await save(message.id, updated);
		return updated;
	}

	/** Names a model this device has that can see, once per model that cannot. */
	#offered = new Set<string>();
	#offerVision(kind: EngineKind, model: string, signal: AbortSignal): void {
		const key = `${kind}:${model}`;
		if (this.#offered.has(key)) return;
		this.#offered.add(key);
		void this.#findVision(kind, signal)
			.then((vision) => {
				if (vision) this.#deps.offerVisionModel(vision.kind, vision.model);
			})
			.catch(() => undefined);
	}

	async #findVision(
		kind: EngineKind,
		signal: AbortSignal
	): Promise<{ kind: EngineKind; model: string } | null> {
		const kinds: EngineKind[] = [
			kind,
			...(['ollama', 'webllm', 'openai'] as const).filter((k) => k !== kind)
		];
		for (const k of kinds) {
			const ids = this.#deps.engine.candidates[k].models.map((m) => m.id);
			if (ids.length === 0) continue;
			const found =
				k === 'ollama'
					? await ollamaVisionModels(
							this.#deps.settings().ollamaUrl,
							ids,
							(url, init) => fetch(url, init),
							signal
						)
					: visionModelsAmong(k, ids);
			if (found[0]) return { kind: k, model: found[0] };
		}
		return null;
	}

	dispose(): void {
		this.#whisper?.stt.dispose();
		void this.#ocr?.then((ocr) => ocr.dispose()).catch(() => undefined);
		this.pending.dispose();
	}
}

async function defaultOcr(): Promise<OcrLike> {
	const { OcrReader } = await import('$lib/vision/ocr');
	return new OcrReader();
}
