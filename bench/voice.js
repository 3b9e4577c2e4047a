// Voice benchmark, in Node, through the same code the speech worker runs (workers/stt-host.ts)
// and the same ONNX Runtime build the browser uses (onnxruntime-web's WASM, one thread, as in a
// worker without cross-origin isolation), not onnxruntime-node. Model files are handed to the
// library through a read-only cache, as the page's downloads are in a browser.
//
// Without weights: the audio front end's cost per second of audio (WAV decode, 48 → 16 kHz
// resampling, Whisper's log-mel features from the real WhisperFeatureExtractor of
// ../shared/models/Xenova/whisper-tiny.en), and the generated echo-whisper pipeline's real-time
// factor at 5, 30 and 70 s (features, encoder, decoder, tokenizer all run; the network is tiny,
// so this is the floor every real model adds its own compute to).
//
// With HEARTH_STT_MODELS=<folder holding Xenova/whisper-*/ with onnx/>: WER on the LibriSpeech
// test-clean sample in ../shared/data beside the published test-clean WER, and the real-time
// factor of each model found.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createServer } from 'vite';
import { ROOT, ratio, round, summarize } from './lib.js';

const SHARED_MODELS = path.resolve(ROOT, '../shared/models');
const ECHO = 'hearth-test/echo-whisper';
const FEATURES_MODEL = 'Xenova/whisper-tiny.en';
const ORT_DIST = path.join(ROOT, 'node_modules/onnxruntime-web/dist');
const RUNS = 5;

/** @type {import('vite').ViteDevServer | undefined} */
let vite;

/**
 * Loads one of our TypeScript modules through Vite (the bench itself stays plain JS).
 * @param {string} file
 */
async function load(file) {
	vite ??= await createServer({
		configFile: false,
		root: ROOT,
		logLevel: 'error',
		appType: 'custom',
		server: { middlewareMode: true, hmr: false, ws: false },
		resolve: {
			alias: { $lib: path.join(ROOT, 'src/lib'), $workers: path.join(ROOT, 'workers') }
		}
	});
	return vite.ssrLoadModule(path.join(ROOT, file));
}

/**
 * transformers.js on onnxruntime-web's WASM: in Node the library would pick onnxruntime-node,
 * unless an ONNX Runtime is registered under this symbol before it is imported.
 */
async function transformersOnWasm() {
	const ort = await import(pathToFileURL(path.join(ORT_DIST, 'ort.wasm.min.mjs')).href);
	// One thread, as in a worker that is not cross-origin isolated (and no os.cpus() lookup).
	ort.env.wasm.numThreads = 1;
	// A folder rather than {mjs, wasm}: Node's fetch() cannot read file: URLs, ORT's own loader can.
	ort.env.wasm.wasmPaths = `${pathToFileURL(ORT_DIST).href}/`;
	/** @type {Record<symbol, unknown>} */ (globalThis)[Symbol.for('onnxruntime')] = ort;
	return import('@huggingface/transformers');
}

/**
 * A read-only "cache" serving `root`'s model folders under the hub keys transformers.js asks for.
 * @param {string} root
 */
function diskCache(root) {
	return {
		/** @param {string} key */
		async match(key) {
			const m = /^https:\/\/huggingface\.co\/(.+?)\/resolve\/main\/(.+)$/.exec(key);
			const file = m ? path.join(root, m[1] ?? '', m[2] ?? '') : '';
			if (!file || !existsSync(file)) return undefined;
			const body = readFileSync(file);
			return new Response(body, { headers: { 'Content-Length': String(body.length) } });
		}
	};
}

/**
 * The speech host over the real library, answering calls as promises.
 * @param {any} lib transformers.js
 * @param {string} modelsRoot
 */
async function speechHost(lib, modelsRoot) {
	const { createSttHost } = await load('workers/stt-host.ts');
	const { readOnlyModelCache } = await load('workers/transformers-env.ts');
	/** @type {Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }>} */
	const waiting = new Map();
	const host = createSttHost({
		loadLibrary: async () => ({
			env: lib.env,
			/** @param {string} model @param {any} options */
			createRecognizer: (model, options) =>
				lib.pipeline('automatic-speech-recognition', model, { ...options, device: 'auto' })
		}),
		probeWebGpu: async () => ({ ok: false, reason: 'none in Node' }),
		// Nothing on disk under this path: files come through the cache, as bytes.
		localModelPath: `${mkdtempSync(path.join(tmpdir(), 'hearth-bench-'))}/`,
		cache: readOnlyModelCache(async () => diskCache(modelsRoot)),
		/** @param {any} message */
		post: (message) => {
			if (message.type !== 'result') return;
			const pending = waiting.get(message.id);
			waiting.delete(message.id);
			if (message.ok) pending?.resolve(message.value);
			else pending?.reject(new Error(`${message.error.code}: ${message.error.message}`));
		}
	});
	let nextId = 1;
	/** @param {string} call @param {unknown} params @returns {Promise<any>} */
	return (call, params) =>
		new Promise((resolve, reject) => {
			const id = nextId++;
			waiting.set(id, { resolve, reject });
			host.handle({ type: 'call', id, call, params });
		});
}

/**
 * Median wall time of `fn` over RUNS runs, after two warm-up runs (the JIT settles).
 * @param {() => Promise<unknown> | unknown} fn
 */
async function timed(fn) {
	await fn();
	await fn();
	const times = [];
	for (let i = 0; i < RUNS; i++) {
		const started = performance.now();
		await fn();
		times.push(performance.now() - started);
	}
	return summarize(times).median;
}

/**
 * A row: what was measured, on how much audio, and its cost per second of audio.
 * @param {string} name
 * @param {number} seconds
 * @param {number} ms
 * @param {string} vs
 */
function row(name, seconds, ms, vs = '') {
	return {
		row: name,
		'audio s': round(seconds, 1),
		ms: round(ms, 1),
		'ms per audio s': round(ms / seconds, 2),
		RTF: round(ms / 1000 / seconds, 4),
		vs
	};
}

/**
 * @param {Array<Record<string, string | number>>} rows
 * @param {string[]} notes
 * @param {any} lib transformers.js
 */
async function frontEnd(rows, notes, lib) {
	const kit = await load('workers/embed-test-kit.ts');
	const { resample } = await load('src/lib/voice/resample.ts');
	const utterances = kit.librispeechSample();
	const files = utterances.map((/** @type {{ wav: string }} */ u) => readFileSync(u.wav));
	const seconds = files.reduce(
		(/** @type {number} */ sum, /** @type {Buffer} */ f) => sum + kit.decodeWav(f).samples.length,
		0
	);
	const decodeMs = await timed(() => files.map((f) => kit.decodeWav(f)));
	rows.push(row('WAV decode (PCM16 → float)', seconds / 16_000, decodeMs));

	const at48k = new Float32Array(30 * 48_000).map(
		(_, i) => 0.3 * Math.sin(i / 7) + 0.01 * Math.sin(i)
	);
	const resampleMs = await timed(() => resample(at48k, 48_000, 16_000));
	rows.push(row('resample 48 → 16 kHz (windowed sinc)', 30, resampleMs));

	const processor = await lib.AutoProcessor.from_pretrained(FEATURES_MODEL);
	const speech = kit.longRecording(30);
	const fiveMs = await timed(() => processor(speech.subarray(0, 5 * 16_000)));
	const thirtyMs = await timed(() => processor(speech));
	rows.push(row('log-mel features (WhisperFeatureExtractor)', 5, fiveMs));
	rows.push(
		row(
			'log-mel features (WhisperFeatureExtractor)',
			30,
			thirtyMs,
			`per audio s: 5 s costs ${ratio(fiveMs / 5, thirtyMs / 30)} of 30 s`
		)
	);
	notes.push(
		'Whisper pads every input to a 30 s window, so features (and the encoder) cost the same for 5 s as for 30 s.'
	);
	return { featuresMs: thirtyMs, kit };
}

/**
 * @param {Array<Record<string, string | number>>} rows
 * @param {(call: string, params: unknown) => Promise<any>} call the host, echo-whisper loaded
 * @param {number} loadMs
 * @param {any} kit
 * @param {number} featuresMs
 */
async function echoPipeline(rows, call, loadMs, kit, featuresMs) {
	for (const seconds of [5, 30, 70]) {
		const audio = kit.longRecording(seconds);
		const ms = await timed(async () => {
			const result = await call('transcribe', { modelId: ECHO, audio: audio.slice() });
			if (result.text !== kit.ECHO_TEXT) throw new Error(`echo-whisper said "${result.text}"`);
		});
		const vs =
			seconds === 30
				? `${ratio(ms, featuresMs)} of features alone`
				: seconds === 70
					? '3 windows (30 s, 5 s stride)'
					: '';
		rows.push(
			row(`echo-whisper pipeline, ORT WASM (load ${round(loadMs, 0)} ms)`, seconds, ms, vs)
		);
	}
}

/**
 * Real weights: WER on the LibriSpeech sample and RTF, per model found.
 * @param {Array<Record<string, string | number>>} rows
 * @param {string[]} notes
 * @param {any} lib
 * @param {any} kit
 */
async function realModels(rows, notes, lib, kit) {
	const folder = process.env.HEARTH_STT_MODELS;
	if (!folder) {
		rows.push({
			row: 'WER on LibriSpeech',
			vs: 'skipped: no weights (HEARTH_STT_MODELS is not set)'
		});
		return;
	}
	const { WHISPER_CATALOG } = await load('src/lib/voice/whisper-catalog.ts');
	const { wordErrorRate } = await load('src/lib/models/wer.ts');
	const root = path.resolve(folder);
	const found = WHISPER_CATALOG.filter(
		(/** @type {any} */ m) =>
			!m.testOnly &&
			existsSync(path.join(root, m.id, 'onnx', 'decoder_model_merged_quantized.onnx'))
	);
	if (found.length === 0) {
		rows.push({ row: 'WER on LibriSpeech', vs: `skipped: no Xenova/whisper-*/onnx in ${folder}` });
		return;
	}
	const utterances = kit.librispeechSample();
	const call = await speechHost(lib, root);
	for (const model of found) {
		await call('load', {
			model: { id: model.id, dtype: model.dtype, device: 'wasm', multilingual: model.multilingual }
		});
		const pairs = [];
		let ms = 0;
		let seconds = 0;
		for (const u of utterances) {
			const audio = kit.readWav(u.wav).samples;
			const result = await call('transcribe', { modelId: model.id, audio, language: 'en' });
			ms += result.ms;
			seconds += result.audioSeconds;
			pairs.push({ reference: u.text, hypothesis: result.text });
		}
		const score = wordErrorRate(pairs);
		rows.push({
			...row(
				`${model.name}: WER ${round(score.wer * 100, 1)} % (${score.edits}/${score.words} words)`,
				seconds,
				ms
			),
			vs: `published test-clean WER ${model.werTestClean} %`
		});
	}
	notes.push(
		`WER over ${utterances.length} LibriSpeech test-clean utterances (lower case, punctuation stripped); the published figure is over all 2,620.`
	);
}

export async function run() {
	/** @type {Array<Record<string, string | number>>} */
	const rows = [];
	const notes = [
		'RTF = processing time / audio duration (below 1 is faster than real time); medians of 5 runs after 2 warm-ups.',
		'ONNX Runtime: onnxruntime-web WASM (the browser build), 1 thread, in Node.'
	];
	try {
		if (!existsSync(path.join(SHARED_MODELS, ECHO, 'onnx'))) {
			throw new Error(`${SHARED_MODELS}/${ECHO} not found: ../shared is needed`);
		}
		const lib = await transformersOnWasm();
		// Loading through the host also sets the library up (no network, files from the cache),
		// which the feature extractor below relies on too.
		const call = await speechHost(lib, SHARED_MODELS);
		const started = performance.now();
		await call('load', { model: { id: ECHO, dtype: 'q8', device: 'wasm', multilingual: false } });
		const loadMs = performance.now() - started;
		const { featuresMs, kit } = await frontEnd(rows, notes, lib);
		await echoPipeline(rows, call, loadMs, kit, featuresMs);
		await realModels(rows, notes, lib, kit);
	} finally {
		await vite?.close();
		vite = undefined;
	}
	return { title: 'Voice: audio front end and Whisper real-time factor (ORT WASM)', rows, notes };
}
