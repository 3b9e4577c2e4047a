import { HearthError } from '$lib/types/errors';
import type { ErrorCode, SerializedError } from '$lib/types/errors';

// wllama fails as WllamaError (with a `type`), WllamaRuntimeError (name "RuntimeError": the wasm
// aborted or threw), AbortError, or plain Errors from the browser (a wasm that could not be
// fetched, a lost GPU). llama.cpp's own reason for refusing a model only reaches its log, so the
// host passes the last log lines as `log`. Both the worker and the page map failures here.

export interface GgufFailure {
	name: string;
	/** WllamaError's type: load_error, kv_cache_full, inference_error, version_mismatch… */
	type?: string;
	message: string;
	/** llama.cpp's last log lines, when the failure was a refused load. */
	log?: string;
}

interface Rule {
	code: ErrorCode;
	matches: (f: GgufFailure) => boolean;
	message: (f: GgufFailure) => string;
}

const says =
	(...patterns: RegExp[]) =>
	(f: GgufFailure) =>
		patterns.some((p) => p.test(f.message) || (f.log !== undefined && p.test(f.log)));

/** llama.cpp's line that says why, trimmed of its function-name prefix. */
function reason(f: GgufFailure, pattern: RegExp): string {
	const lines = `${f.message}\n${f.log ?? ''}`.split('\n');
	const line = lines.find((l) => pattern.test(l))?.trim();
	return line ? line.replace(/^[a-z_0-9]+:\s*/i, '') : '';
}

const OVERFLOW = /request \((\d+) tokens\) exceeds the available context size \((\d+) tokens\)/i;
const OUT_OF_MEMORY =
	/out of memory|Cannot allocate (WebAssembly\.)?Memory|Cannot enlarge memory|failed to allocate|\bOOM\b|Array buffer allocation failed|could not allocate/i;
const CORRUPT =
	/invalid magic|failed to read|tensor '.*' data is not within the file bounds|file too short|unexpected end|gguf_init_from_file|failed to load model|error loading model|corrupt|invalid (gguf|version)|unsupported gguf version|wrong number of tensors/i;
const UNKNOWN_ARCH = /unknown model architecture|unknown (pre-tokenizer|tokenizer) type/i;

const RULES: Rule[] = [
	{
		code: 'aborted',
		matches: (f) => f.name === 'AbortError',
		message: () => 'Stopped.'
	},
	{
		code: 'context_overflow',
		matches: (f) => f.type === 'kv_cache_full' || OVERFLOW.test(f.message),
		message: (f) => {
			const match = OVERFLOW.exec(f.message);
			const detail = match ? ` (${match[1]} tokens; the model holds ${match[2]})` : '';
			return `This conversation is longer than the model can read at once${detail}. Start a new conversation or shorten the message.`;
		}
	},
	{
		code: 'webgpu_device_lost',
		matches: says(/device (was |is )?lost/i, /DeviceLost/),
		message: () =>
			'The GPU stopped working for Hearth, most often because the model needed more memory than the GPU had. Try a smaller model, or run it on the CPU (Settings → Models).'
	},
	{
		code: 'out_of_memory',
		matches: says(OUT_OF_MEMORY),
		message: () =>
			'The model needs more memory than this browser gives one page. Try a smaller model or a smaller quantisation, or close other tabs.'
	},
	{
		code: 'model_unsupported',
		matches: says(UNKNOWN_ARCH),
		message: (f) => {
			const why = reason(f, UNKNOWN_ARCH);
			return `This version of llama.cpp cannot run this model${why ? ` (${why})` : ''}. Choose another GGUF.`;
		}
	},
	{
		code: 'model_corrupt',
		matches: (f) => f.type === 'load_error' || says(CORRUPT)(f),
		message: (f) => {
			const why = reason(f, CORRUPT);
			return `llama.cpp could not read this GGUF file${why ? ` (${why})` : ''}: it is damaged, incomplete or not a GGUF model. Delete it and download it again, or choose another file.`;
		}
	},
	{
		code: 'model_unsupported',
		matches: (f) => f.type === 'version_mismatch',
		message: () =>
			'The llama.cpp runtime files do not match this version of Hearth. Reload the page to update it.'
	},
	{
		code: 'model_download_failed',
		matches: says(/Failed to fetch/i, /NetworkError/i, /fetching of the wasm failed/i),
		message: () =>
			'The llama.cpp runtime could not be loaded. Open Hearth once with the network on so it can keep a copy for offline use.'
	},
	{
		code: 'engine_crashed',
		matches: (f) => f.name === 'RuntimeError' || /wllama has crashed|\(ABORT\)/i.test(f.message),
		message: (f) =>
			`llama.cpp stopped unexpectedly${f.message ? ` (${f.message.slice(0, 200)})` : ''}.`
	}
];

/** The name, type and message of anything thrown, without ever calling `toString()` on it. */
export function describeGgufFailure(e: unknown): GgufFailure {
	if (typeof e === 'string') return { name: '', message: e };
	if (typeof e !== 'object' || e === null) return { name: '', message: '' };
	const { name, message, type } = e as { name?: unknown; message?: unknown; type?: unknown };
	return {
		name: typeof name === 'string' ? name : '',
		message: typeof message === 'string' ? message : '',
		...(typeof type === 'string' ? { type } : {})
	};
}

/** Maps what wllama (or the browser under it) throws to the code the UI understands. */
export function toSerializedGgufError(e: unknown, log?: string): SerializedError {
	if (e instanceof HearthError) return e.toJSON();
	const failure = { ...describeGgufFailure(e), ...(log ? { log } : {}) };
	const rule = RULES.find((r) => r.matches(failure));
	if (rule) return { code: rule.code, message: rule.message(failure) };
	return {
		code: 'unknown',
		message: failure.message.trim() || 'llama.cpp failed without saying why.'
	};
}
