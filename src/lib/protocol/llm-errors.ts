import type { ErrorCode, SerializedError } from '$lib/types/errors';
import { HearthError } from '$lib/types/errors';

// web-llm fails in three shapes: Error subclasses (in-thread; recognised by `name`, since the
// classes are not exported), plain strings (its abort reasons and the tvm runtime's fetch
// failures) and DOMExceptions. Both the worker and the page map them here, so one code means
// one thing wherever it was raised. Rules are checked in order; the first match wins.

interface Failure {
	name: string;
	message: string;
}

interface Rule {
	code: ErrorCode;
	matches: (f: Failure) => boolean;
	/** Plain words a person can act on; `f` supplies details worth quoting (a URL, token counts). */
	message: (f: Failure) => string;
}

const named =
	(...names: string[]) =>
	(f: Failure) =>
		names.includes(f.name);

const says =
	(...patterns: RegExp[]) =>
	(f: Failure) =>
		patterns.some((p) => p.test(f.message));

const either =
	(...tests: ((f: Failure) => boolean)[]) =>
	(f: Failure) =>
		tests.some((t) => t(f));

/** Also used when web-llm unloaded its model after a device loss it only logged. */
export const DEVICE_LOST_MESSAGE =
	'The GPU stopped working for Hearth, most often because the model needed more memory than the GPU had. Try a smaller model, or close other tabs that use the GPU.';

const F16_ADVICE =
	'This model needs 16-bit float support (shader-f16) that this GPU lacks: choose the 32-bit (f32) build.';

/** The first absolute URL in a message, for "which file" in download and corruption advice. */
function urlIn(message: string): string | undefined {
	return /https?:\/\/[^\s,'"`)]+/.exec(message)?.[0];
}

function fileHint(f: Failure): string {
	const url = urlIn(f.message);
	return url ? ` (${url})` : '';
}

/** "number of prompt tokens: 5000; context window size: 4096" → the two numbers, when present. */
function overflowDetail(message: string): string {
	const prompt = /prompt tokens:\s*(\d+)/.exec(message)?.[1];
	const window = /context window size:\s*(\d+)/.exec(message)?.[1];
	return prompt && window ? ` (${prompt} tokens; the model holds ${window})` : '';
}

// Buffer-shape failures while decoding weights mean the shards on disk are not what the
// manifest promised. web-llm also has its own "RangeError" for bad generation settings
// ("Make sure 0 < top_p <= 1"), so a bare name is not enough: the message must be about bytes.
const bufferMismatch = says(
	/mismatch.*length|length.*mismatch/i,
	/Expect the data's length equals/i,
	/tensor-cache (record range|byteOffset|nbytes)/i,
	/(ArrayBuffer|DataView|typed array|byte length).*(bounds|length|multiple|offset)/i,
	/(offset|length) .*outside the bounds/i
);

const RULES: Rule[] = [
	{
		code: 'aborted',
		matches: either(named('AbortError'), says(/unload\(\) is called/i)),
		message: () => 'Stopped.'
	},
	{
		code: 'quota_exceeded',
		matches: either(named('QuotaExceededError'), says(/QuotaExceeded|quota (has been )?exceeded/i)),
		message: () =>
			'This device has run out of storage space for the model. Free some space or delete a model you no longer use.'
	},
	{
		code: 'webgpu_unavailable',
		matches: either(
			named('WebGPUNotAvailableError', 'WebGPUNotFoundError'),
			says(/WebGPU is not supported/i, /Cannot find WebGPU/i, /Unable to find a compatible GPU/i)
		),
		message: () =>
			'This browser cannot use the GPU for AI (WebGPU is off or unsupported). Use a recent Chrome or Edge, or connect Hearth to an Ollama or OpenAI-compatible server.'
	},
	{
		code: 'model_unsupported',
		matches: either(named('ShaderF16SupportError'), says(/shader-f16/i)),
		message: () => F16_ADVICE
	},
	{
		code: 'model_unsupported',
		matches: either(named('FeatureSupportError'), says(/requires feature/i)),
		message: (f) => {
			const feature = /requires feature (\S+?),/.exec(f.message)?.[1];
			return `This model needs a GPU feature${feature ? ` (${feature})` : ''} that this browser lacks: choose another build or a smaller model.`;
		}
	},
	{
		code: 'model_unsupported',
		matches: says(/Cannot initialize runtime because of requested max/i),
		message: () =>
			'This GPU cannot hold buffers as large as the in-browser engine needs: choose a smaller model or use a server engine.'
	},
	{
		code: 'webgpu_device_lost',
		matches: either(named('DeviceLostError'), says(/Device was lost/i, /device (was |is )?lost/i)),
		message: () => DEVICE_LOST_MESSAGE
	},
	{
		code: 'context_overflow',
		matches: either(named('ContextWindowSizeExceededError'), says(/exceed context window size/i)),
		message: (f) =>
			`This conversation is longer than the model can read at once${overflowDetail(f.message)}. Start a new conversation or shorten the message.`
	},
	{
		code: 'model_not_found',
		matches: either(
			named(
				'ModelNotFoundError',
				'SpecifiedModelNotFoundError',
				'ModelNotLoadedError',
				'WorkerEngineModelNotLoadedError'
			),
			says(/Cannot find model record/i, /not found in loaded models/i, /Model not loaded/i)
		),
		message: () =>
			'The in-browser engine does not have this model ready. Pick the model again, or download it in Models.'
	},
	{
		code: 'model_corrupt',
		matches: either(
			named(
				'SyntaxError',
				'CompileError',
				'LinkError',
				'IntegrityError',
				'ArtifactManifestError',
				'UnsupportedTokenizerFilesError'
			),
			says(/Integrity verification failed/i),
			bufferMismatch
		),
		message: (f) =>
			`The downloaded model files are damaged or incomplete${fileHint(f)}. Delete the model in Models and download it again.`
	},
	{
		code: 'model_download_failed',
		matches: either(
			named('NetworkError'),
			says(
				/Cannot fetch/i,
				/Failed to fetch/i,
				/failed to fetch:/i,
				/Unable to fetch/i,
				/NetworkError/i,
				/Network response was not ok/i,
				/failed to load wasm binary/i,
				/fetching of the wasm failed/i,
				/^Load failed$/
			)
		),
		message: (f) =>
			`The in-browser engine could not read the model files${fileHint(f)}. The model is probably not downloaded yet: download it in Models, then try again.`
	}
];

/** The name and message of anything thrown, without ever calling `toString()` on it. */
function describe(e: unknown): Failure {
	if (typeof e === 'string') return { name: '', message: e };
	if (e instanceof Error) {
		// Some subclasses leave `name` as "Error"; the constructor still says which one it was.
		const name = e.name && e.name !== 'Error' ? e.name : e.constructor.name;
		return { name, message: e.message };
	}
	if (typeof e === 'object' && e !== null) {
		const { name, message } = e as { name?: unknown; message?: unknown };
		return {
			name: typeof name === 'string' ? name : '',
			message: typeof message === 'string' ? message : ''
		};
	}
	return { name: '', message: '' };
}

/** Maps anything web-llm (or the browser under it) throws to the code the UI understands. */
export function toSerializedLlmError(e: unknown): SerializedError {
	if (e instanceof HearthError) return e.toJSON();
	const failure = describe(e);
	const rule = RULES.find((r) => r.matches(failure));
	if (rule) return { code: rule.code, message: rule.message(failure) };
	return {
		code: 'unknown',
		message: failure.message.trim() || 'The in-browser engine failed without saying why.'
	};
}
