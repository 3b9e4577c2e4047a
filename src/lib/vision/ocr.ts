import type { LoggerMessage, Worker as TesseractWorker } from 'tesseract.js';
import { HearthError, toHearthError } from '$lib/types/errors';
import { ocrProgressOf, tidyOcrText, type OcrProgress, type OcrResult } from '$lib/vision/ocr-text';

// On-device OCR with tesseract.js, every file from our own origin (/ocr/, see vite.config.ts):
// nothing is fetched from a CDN and no image leaves the device. The library is imported only
// when text is first read.

/** Where the worker, the wasm core and the language model come from. */
export interface OcrPaths {
	/** undefined: the library's own (Node's worker script in tests). */
	workerPath?: string;
	corePath?: string;
	langPath: string;
}

export const BROWSER_OCR_PATHS: OcrPaths = {
	workerPath: '/ocr/worker.min.js',
	corePath: '/ocr/',
	langPath: '/ocr/'
};

export type OcrImage = Blob | Uint8Array;

/** One tesseract worker, started on first use and kept for the next image until disposed. */
export class OcrReader {
	readonly #paths: OcrPaths;
	#worker: Promise<TesseractWorker> | null = null;
	#onProgress: ((p: OcrProgress) => void) | undefined;

	constructor(paths: OcrPaths = BROWSER_OCR_PATHS) {
		this.#paths = paths;
	}

	/**
	 * Reads the text of one image. Abort terminates the worker (tesseract has no other cancel)
	 * and settles at once; the next read starts a fresh worker.
	 */
	async read(
		image: OcrImage,
		options: { onProgress?: (p: OcrProgress) => void; signal?: AbortSignal } = {}
	): Promise<OcrResult> {
		const { onProgress, signal } = options;
		if (signal?.aborted) throw stopped();
		this.#onProgress = onProgress;
		let onAbort = () => {};
		const aborted = new Promise<never>((_, reject) => {
			onAbort = () => {
				reject(stopped());
				void this.dispose();
			};
			signal?.addEventListener('abort', onAbort, { once: true });
		});
		const work = this.#recognize(image);
		// Whichever loses the race must not surface as an unhandled rejection.
		work.catch(() => {});
		aborted.catch(() => {});
		try {
			return await Promise.race([work, aborted]);
		} catch (e) {
			if (signal?.aborted) throw stopped();
			// A worker that failed is not reused.
			await this.dispose();
			const error = toHearthError(e);
			throw error.code === 'ocr_failed'
				? error
				: new HearthError(
						'ocr_failed',
						`The text in the image could not be read (${error.message}).`,
						{ cause: e }
					);
		} finally {
			signal?.removeEventListener('abort', onAbort);
			this.#onProgress = undefined;
		}
	}

	async #recognize(image: OcrImage): Promise<OcrResult> {
		const starting = this.#start();
		const worker = await starting;
		// Disposed (aborted) while it started: a terminated worker must not be given a job.
		if (this.#worker !== starting) throw stopped();
		const input = image instanceof Uint8Array ? toRecognizable(image) : image;
		const { data } = await worker.recognize(input);
		return { text: tidyOcrText(data.text), confidence: Math.round(data.confidence) };
	}

	async dispose(): Promise<void> {
		const worker = this.#worker;
		this.#worker = null;
		if (!worker) return;
		try {
			await (await worker).terminate();
		} catch {
			// A worker that never started has nothing to stop.
		}
	}

	#start(): Promise<TesseractWorker> {
		this.#worker ??= this.#create();
		return this.#worker;
	}

	async #create(): Promise<TesseractWorker> {
		const module = await import('tesseract.js');
		// CommonJS: Vite and Node both hand module.exports over as `default`.
		const tesseract = module.default ?? module;
		const { workerPath, corePath, langPath } = this.#paths;
		return tesseract.createWorker('eng', tesseract.OEM.LSTM_ONLY, {
			...(workerPath ? { workerPath } : {}),
			...(corePath ? { corePath } : {}),
			langPath,
			gzip: true,
			// The service worker caches /ocr/; tesseract's own IndexedDB copy would be a second one.
			cacheMethod: 'none',
			workerBlobURL: false,
			// Without a handler tesseract also throws a failed job's error out of its message
			// listener (uncaught); the job's promise rejects either way.
			errorHandler: () => {},
			logger: (message: LoggerMessage) => {
				const progress = ocrProgressOf(message);
				if (progress) this.#onProgress?.(progress);
			}
		});
	}
}

/** Node's tesseract takes a Buffer; the browser's a Blob. */
function toRecognizable(bytes: Uint8Array): Blob | Buffer {
	if (typeof window === 'undefined' && typeof globalThis.Buffer === 'function') {
		return globalThis.Buffer.from(bytes);
	}
	return new Blob([bytes as Uint8Array<ArrayBuffer>]);
}

function stopped(): HearthError {
	return new HearthError('aborted', 'Stopped.');
}
