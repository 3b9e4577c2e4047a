import type { CacheStorageLike } from '$lib/engine/cache-storage';
import type { DownloadProgress } from '$lib/engine/download-progress';
import {
	deleteHubModel,
	downloadHubModel,
	isHubModelDownloaded,
	isServedModel
} from '$lib/models/hub-download';
import type { HubDownloadResult } from '$lib/models/hub-download';
import type { NetFetch } from '$lib/net/types';
import type {
	SttCalls,
	SttDevice,
	SttFromWorker,
	SttLoadResult,
	SttModelSpec,
	SttToWorker
} from '$lib/protocol/stt';
import { MIN_AUDIO_SECONDS, STT_CACHE_NAME, STT_SAMPLE_RATE } from '$lib/protocol/stt';
import { WorkerConnection } from '$lib/protocol/worker-connection';
import type { WorkerPort } from '$lib/protocol/worker-connection';
import type { Settings } from '$lib/types/settings';
import { HearthError, stopped } from '$lib/types/errors';
import { formatBytes } from '$lib/utils/format-bytes';
import { whisperModelFor } from '$lib/voice/whisper-catalog';
import type { WhisperModelInfo } from '$lib/voice/whisper-catalog';
import type { LoadProgressReport, SpeechToText, TranscribeOptions } from '$lib/voice/types';

// The page's side of the speech worker: Whisper on this device. load() downloads the model when
// it is missing (through the ledgered NetFetch, into Cache Storage), then loads it in the worker;
// transcribe() sends a copy of the audio (the caller keeps its recording) and relays the text so
// far. A worker that dies fails the calls it held; the next call starts a fresh worker and loads
// the model again.

/** The part of a Worker the client uses, so tests can connect it over a MessageChannel. */
export type SttWorkerLike = WorkerPort<SttToWorker>;

/** Starts workers/stt.worker.ts as a module worker. */
export function defaultSttWorker(): SttWorkerLike {
	return new Worker(new URL('../../../workers/stt.worker.ts', import.meta.url), {
		type: 'module'
	});
}

export interface WhisperOptions {
	model: WhisperModelInfo;
	/** Used when transcribe() is given none (Settings.sttLanguage); .en models ignore it. */
	language?: string;
	/** The ledgered fetch for downloads; without it only models already here are used. */
	net?: NetFetch;
	/** Settings.sttHubUrl: where models are downloaded from. */
	hubUrl?: string;
	/** Cache Storage (window.caches by default). */
	caches?: CacheStorageLike;
	createWorker?: () => SttWorkerLike;
	device?: SttDevice | 'auto';
	readyTimeoutMs?: number;
	/** Whether our origin serves a model under /models/ (asked only for test models). */
	isServed?: (modelId: string) => Promise<boolean>;
}

type Rpc = WorkerConnection<SttCalls, SttFromWorker, SttToWorker>;

const CRASHED = 'The speech recogniser stopped unexpectedly; it restarts on the next use.';

const workerFailure = (message: string) => ({ code: 'transcription_failed' as const, message });

export class WhisperSpeechToText implements SpeechToText {
	readonly sendsAudioAway = false;
	readonly model: WhisperModelInfo;
	#rpc: Rpc | undefined;
	/** The worker connection the model is loaded in; a new connection must load it again. */
	#loadedIn: Rpc | undefined;
	#loaded: SttLoadResult | undefined;
	#loading: Promise<SttLoadResult> | undefined;
	readonly #options: WhisperOptions;
	readonly #spec: SttModelSpec;

	constructor(options: WhisperOptions) {
		this.#options = options;
		this.model = options.model;
		this.#spec = {
			id: options.model.id,
			dtype: options.model.dtype,
			device: options.device ?? 'auto',
			multilingual: options.model.multilingual
		};
	}

	get label(): string {
		return `${this.model.name} on this device`;
	}

	get ready(): boolean {
		return this.#loaded !== undefined && this.#loadedIn === this.#rpc && !this.#rpc?.dead;
	}

	/** Where the loaded model runs. */
	get device(): SttDevice | undefined {
		return this.#loaded?.device;
	}

	/** Why WebGPU is not used, when it is not. */
	get fallbackReason(): string | undefined {
		return this.#loaded?.fallbackReason;
	}

	#caches(): CacheStorageLike | undefined {
		return this.#options.caches ?? (globalThis as { caches?: CacheStorageLike }).caches;
	}

	/**
	 * In Cache Storage (downloaded), or, for the generated test model, which is never downloaded,
	 * served by this site under /models/. Real models are not probed there: a missing file would
	 * be a 404 on every start.
	 */
	async isDownloaded(): Promise<boolean> {
		const caches = this.#caches();
		if (caches && (await isHubModelDownloaded(this.model, STT_CACHE_NAME, caches))) return true;
		if (!this.model.testOnly) return false;
		return (this.#options.isServed ?? ((id: string) => isServedModel(id)))(this.model.id);
	}

	/** Downloads the model's files (resuming a broken download); cancellable with `signal`. */
	async download(
		onProgress?: (progress: DownloadProgress) => void,
		signal?: AbortSignal
	): Promise<HubDownloadResult> {
		const { net, hubUrl } = this.#options;
		const caches = this.#caches();
		if (!net || !hubUrl || !caches) {
			throw this.#notDownloaded();
		}
		return downloadHubModel(this.model, STT_CACHE_NAME, {
			hubUrl,
			net,
			caches,
			purpose: `speech model download: ${this.model.name}`,
			signal,
			onProgress
		});
	}

	/** Removes the downloaded files; the model must be downloaded again to be used. */
	async deleteDownload(): Promise<number> {
		this.dispose();
		const caches = this.#caches();
		return caches ? deleteHubModel(this.model, STT_CACHE_NAME, caches) : 0;
	}

	async load(onProgress: (p: LoadProgressReport) => void, signal?: AbortSignal): Promise<void> {
		if (this.ready) return;
		if (signal?.aborted) throw stopped();
		if (!(await this.isDownloaded())) {
			if (!this.#options.net) throw this.#notDownloaded();
			await this.download((p) => onProgress(downloadReport(this.model, p)), signal);
		}
		await this.#load(onProgress, signal);
	}

	async transcribe(audio: Float32Array, options: TranscribeOptions = {}): Promise<string> {
		const { signal, onPartial } = options;
		if (signal?.aborted) throw stopped();
		if (audio.length < MIN_AUDIO_SECONDS * STT_SAMPLE_RATE) return '';
		if (!this.ready) {
			// Loaded before, or here already: load it now. Never a download without load().
			if (!this.#loaded && !(await this.isDownloaded())) throw this.#notDownloaded();
			await this.#load(() => undefined, signal);
		}
		const rpc = this.#rpc;
		if (!rpc) throw this.#notDownloaded();
		// A copy is moved into the worker; the caller's recording stays usable (to retry, to keep).
		const copy = audio.slice();
		const result = await rpc.request(
			'transcribe',
			{ modelId: this.model.id, audio: copy, language: options.language ?? this.#options.language },
			{
				signal,
				transfer: [copy.buffer],
				onEvent: (event) => {
					if (event.type === 'partial') onPartial?.(event.text);
				}
			}
		);
		return result.text;
	}

	/** Ends the worker; a later load() or transcribe() starts a fresh one. */
	dispose(): void {
		this.#rpc?.kill(new HearthError('aborted', 'The speech recogniser was closed.'));
		this.#rpc = undefined;
		this.#loaded = undefined;
		this.#loadedIn = undefined;
		this.#loading = undefined;
	}

	#notDownloaded(): HearthError {
		return new HearthError(
			'model_not_downloaded',
			`${this.model.name} is not downloaded yet (about ${this.model.sizeMB} MB). ` +
				'Download it in the voice settings, then try again.'
		);
	}

	/** One load at a time; a load in progress is shared by everyone who asks meanwhile. */
	async #load(onProgress: (p: LoadProgressReport) => void, signal?: AbortSignal): Promise<void> {
		const rpc = this.#connect();
		if (!this.#loading) {
			const loading = (async () => {
				await rpc.ready;
				return rpc.request(
					'load',
					{ model: this.#spec },
					{
						signal,
						onEvent: (event) => {
							if (event.type === 'progress') {
								onProgress({
									fraction: event.progress.fraction ?? null,
									text: event.progress.text
								});
							}
						}
					}
				);
			})();
			this.#loading = loading;
			loading
				.then((result) => {
					if (this.#rpc !== rpc) return;
					this.#loaded = result;
					this.#loadedIn = rpc;
				})
				.catch(() => undefined)
				.finally(() => {
					if (this.#loading === loading) this.#loading = undefined;
				});
		}
		await this.#loading;
	}

	#connect(): Rpc {
		if (!this.#rpc || this.#rpc.dead) {
			this.#loaded = undefined;
			this.#loadedIn = undefined;
			this.#loading = undefined;
			this.#rpc = new WorkerConnection((this.#options.createWorker ?? defaultSttWorker)(), {
				readyTimeoutMs: this.#options.readyTimeoutMs ?? 20_000,
				failures: {
					notStarted: workerFailure('The speech recogniser did not start.'),
					// A wasm heap the browser refused to grow, or a worker the browser killed, ends here.
					crashed: workerFailure(CRASHED),
					garbled: workerFailure('The speech recogniser sent a garbled message.'),
					mixedUp: workerFailure('The speech recogniser mixed up its answers.')
				},
				cancel: (id) => ({ type: 'cancel', id })
			});
		}
		return this.#rpc;
	}
}

/** A download's progress as a load report: "Downloading Whisper tiny.en: 12 MB of 43 MB". */
export function downloadReport(model: WhisperModelInfo, p: DownloadProgress): LoadProgressReport {
	const total = p.totalBytes > 0 ? ` of ${formatBytes(p.totalBytes)}` : '';
	return {
		fraction: p.fraction,
		text: `Downloading ${model.name}: ${formatBytes(p.loadedBytes)}${total}`
	};
}

/** The recogniser the settings ask for (sttModel, or the default for sttLanguage). */
export function whisperFromSettings(
	settings: Pick<Settings, 'sttModel' | 'sttLanguage' | 'sttHubUrl'>,
	net: NetFetch,
	options: Partial<Omit<WhisperOptions, 'model' | 'language' | 'net' | 'hubUrl'>> = {}
): WhisperSpeechToText {
	return new WhisperSpeechToText({
		...options,
		model: whisperModelFor(settings.sttModel, settings.sttLanguage),
		language: settings.sttLanguage || undefined,
		net,
		hubUrl: settings.sttHubUrl
	});
}
