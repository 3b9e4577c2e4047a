import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { TestContext } from 'vitest';
import { sharedMissing } from '../tests/fixtures/ci.js';
import type { EmbedFromWorker } from '$lib/protocol/embed';
import type { ExtractorLike, TransformersLike } from '$workers/embed-host';
import type { RecognizerLike, SttTransformersLike } from '$workers/stt-host';
import type { LibraryEnv } from '$workers/transformers-env';

// Shared by the tests of the transformers.js hosts (embeddings and speech): where the generated
// test models and the audio samples live, how to skip without them, the real transformers.js
// adapted to each host (the workers' adapters, minus `self`), a WAV reader and a fake hub.

export const SHARED_MODELS = path.resolve(process.cwd(), '../shared/models');
export const SHARED_DATA = path.resolve(process.cwd(), '../shared/data');
export const TEST_MODEL = 'hearth-test/bow-embedder';
export const TEST_MODEL_DIR = path.join(SHARED_MODELS, TEST_MODEL);
export const ECHO_WHISPER = 'hearth-test/echo-whisper';
export const ECHO_WHISPER_DIR = path.join(SHARED_MODELS, ECHO_WHISPER);
/** What echo-whisper says for any audible input. */
export const ECHO_TEXT = 'Hearth heard you clearly.';
export const FOX_WAV = path.join(SHARED_DATA, 'tts-fixtures', 'quick_brown_fox_16k.wav');
export const LIBRISPEECH = path.join(SHARED_DATA, 'librispeech-test-clean-sample');

/** Skips the test when `file` (under ../shared) is missing, except under CI: there it fails. */
export function requireShared(ctx: TestContext, file: string): void {
	if (!existsSync(file)) ctx.skip(sharedMissing(file));
}

/** The generated bow-embedder. */
export function requireSharedModels(ctx: TestContext): void {
	requireShared(ctx, path.join(TEST_MODEL_DIR, 'onnx', 'model_quantized.onnx'));
}

/** The generated echo-whisper and the audio the speech tests feed it. */
export function requireEchoWhisper(ctx: TestContext): void {
	requireShared(ctx, path.join(ECHO_WHISPER_DIR, 'onnx', 'decoder_model_merged_quantized.onnx'));
	requireShared(ctx, FOX_WAV);
	requireShared(ctx, path.join(LIBRISPEECH, 'transcripts.jsonl'));
}

export async function realTransformers(): Promise<TransformersLike> {
	const { env, pipeline } = await import('@huggingface/transformers');
	return {
		env: env as unknown as LibraryEnv,
		createExtractor: async (model, options) =>
			(await pipeline('feature-extraction', model, {
				...options,
				device: options.device as 'cpu',
				dtype: options.dtype as 'q8'
			})) as unknown as ExtractorLike
	};
}

export async function realSpeechTransformers(): Promise<SttTransformersLike> {
	const { env, pipeline } = await import('@huggingface/transformers');
	return {
		env: env as unknown as LibraryEnv,
		createRecognizer: async (model, options) =>
			(await pipeline('automatic-speech-recognition', model, {
				...options,
				device: options.device as 'cpu',
				dtype: options.dtype as 'q8'
			})) as unknown as RecognizerLike
	};
}

export interface Wav {
	sampleRate: number;
	channels: number;
	/** Mono (channels averaged), in [-1, 1]. */
	samples: Float32Array;
}

/** Reads a PCM 16-bit WAV (RIFF chunks in any order; others skipped). */
export function decodeWav(bytes: Uint8Array): Wav {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
	if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a RIFF WAVE file');
	let format: { channels: number; sampleRate: number; bits: number; code: number } | undefined;
	for (let at = 12; at + 8 <= bytes.length;) {
		const id = tag(at);
		const size = view.getUint32(at + 4, true);
		const body = at + 8;
		if (id === 'fmt ') {
			format = {
				code: view.getUint16(body, true),
				channels: view.getUint16(body + 2, true),
				sampleRate: view.getUint32(body + 4, true),
				bits: view.getUint16(body + 14, true)
			};
		} else if (id === 'data') {
			if (!format || format.code !== 1 || format.bits !== 16) {
				throw new Error('only PCM 16-bit WAV is read here');
			}
			const { channels, sampleRate } = format;
			const frames = Math.floor(Math.min(size, bytes.length - body) / (2 * channels));
			const samples = new Float32Array(frames);
			for (let i = 0; i < frames; i++) {
				let sum = 0;
				for (let c = 0; c < channels; c++)
					sum += view.getInt16(body + 2 * (i * channels + c), true);
				samples[i] = sum / channels / 32768;
			}
			return { sampleRate, channels, samples };
		}
		// Chunks are padded to an even size.
		at = body + size + (size & 1);
	}
	throw new Error('the WAV file has no data chunk');
}

export function readWav(file: string): Wav {
	return decodeWav(readFileSync(file));
}

export interface Utterance {
	id: string;
	/** Absolute path of the 16 kHz WAV. */
	wav: string;
	/** The reference transcript (LibriSpeech: upper case, no punctuation). */
	text: string;
}

/** The LibriSpeech test-clean sample in ../shared/data, in the order of its index. */
export function librispeechSample(root: string = LIBRISPEECH): Utterance[] {
	return readFileSync(path.join(root, 'transcripts.jsonl'), 'utf8')
		.split('\n')
		.filter((line) => line.trim() !== '')
		.map((line) => {
			const { id, wav, text } = JSON.parse(line) as { id: string; wav: string; text: string };
			return { id, wav: path.join(root, wav), text };
		});
}

/** The sample's utterances end to end, repeated until at least `seconds` long (16 kHz). */
export function longRecording(seconds: number): Float32Array {
	const parts = librispeechSample().map((u) => readWav(u.wav).samples);
	const total = Math.ceil(seconds * 16_000);
	const out = new Float32Array(total);
	for (let at = 0, i = 0; at < total; i++) {
		const part = parts[i % parts.length] ?? new Float32Array(0);
		if (part.length === 0) break;
		out.set(part.subarray(0, total - at), at);
		at += part.length;
	}
	return out;
}

export const dot = (a: Float32Array, b: Float32Array): number =>
	a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);

/** Splits a row-major count × dims buffer into vectors. */
export function rows(data: Float32Array, dims: number): Float32Array[] {
	const out: Float32Array[] = [];
	for (let i = 0; i < data.length; i += dims) out.push(data.slice(i, i + dims));
	return out;
}

export type Posted = { message: EmbedFromWorker; transfer?: Transferable[] };

export interface FakeHub {
	/** Base URL ending in '/'. */
	url: string;
	/** Paths asked for, in order. */
	requests: string[];
	/** File (relative to the model folder) → a status to answer instead. */
	statuses: Map<string, number>;
	/** Files answered with a body that is not what was stored. */
	garbled: Set<string>;
	/** Files that send half their bytes and then wait (until the client gives up). */
	stalled: Set<string>;
	/** Files whose answer waits, whole, until releaseOne() lets it go. */
	held: Set<string>;
	/** Held requests waiting now. */
	readonly waiting: number;
	/** Answers the held request that has waited longest. */
	releaseOne(): void;
	/** The most requests open at once so far. */
	readonly peak: number;
	close(): Promise<void>;
}

/** A Hugging Face hub in miniature: GET /<owner>/<name>/resolve/main/<file> from `root`. */
export async function startFakeHub(root: string = SHARED_MODELS): Promise<FakeHub> {
	const hub: Pick<FakeHub, 'requests' | 'statuses' | 'garbled' | 'stalled' | 'held'> = {
		requests: [],
		statuses: new Map(),
		garbled: new Set(),
		stalled: new Set(),
		held: new Set()
	};
	let open = 0;
	let peak = 0;
	const waiting: (() => void)[] = [];
	const server = createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://hub');
		hub.requests.push(url.pathname);
		peak = Math.max(peak, ++open);
		res.on('close', () => open--);
		const match = /^\/([\w.-]+\/[\w.-]+)\/resolve\/main\/(.+)$/.exec(url.pathname);
		const file = match?.[2] ?? '';
		const target = match ? path.join(root, match[1] ?? '', file) : '';
		const status = hub.statuses.get(file);
		if (!match || file.includes('..') || status || !existsSync(target)) {
			res.writeHead(status ?? 404, { 'Content-Type': 'text/plain' });
			res.end('Entry not found');
			return;
		}
		const body = hub.garbled.has(file)
			? Buffer.from('<html>rate limited</html>')
			: readFileSync(target);
		const answer = () => {
			res.writeHead(200, {
				'Content-Type': 'application/octet-stream',
				'Content-Length': String(body.length)
			});
			if (hub.stalled.has(file)) res.write(body.subarray(0, body.length >> 1));
			else res.end(body);
		};
		if (hub.held.has(file)) waiting.push(answer);
		else answer();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address() as AddressInfo;
	return {
		...hub,
		get waiting() {
			return waiting.length;
		},
		releaseOne() {
			waiting.shift()?.();
		},
		get peak() {
			return peak;
		},
		url: `http://127.0.0.1:${address.port}/`,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}
