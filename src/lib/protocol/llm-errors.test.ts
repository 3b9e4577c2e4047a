import { describe, expect, it } from 'vitest';
import { IntegrityError, MLCEngine } from '@mlc-ai/web-llm';
import { toSerializedLlmError } from '$lib/protocol/llm-errors';
import { HearthError } from '$lib/types/errors';
import type { ErrorCode } from '$lib/types/errors';

// Most web-llm error classes are not exported, so these replicas copy their `name` and message
// text from node_modules/@mlc-ai/web-llm/lib/index.js (0.2.86). Where the real class can be
// reached (exported, or thrown by a real MLCEngine in Node) the test uses the real one.
function webLlmError(name: string, message: string): Error {
	const e = new Error(message);
	e.name = name;
	return e;
}

function codeOf(e: unknown): ErrorCode {
	return toSerializedLlmError(e).code;
}

async function thrownBy(run: () => Promise<unknown>): Promise<unknown> {
	try {
		await run();
	} catch (e) {
		return e;
	}
	throw new Error('expected a failure');
}

describe('toSerializedLlmError', () => {
	it('maps real web-llm errors thrown by MLCEngine in this thread', async () => {
		const engine = new MLCEngine({ logLevel: 'SILENT' });
		const missing = await thrownBy(() => engine.reload('no-such-model'));
		expect((missing as Error).name).toBe('ModelNotFoundError');
		expect(codeOf(missing)).toBe('model_not_found');
		const notLoaded = await thrownBy(() =>
			engine.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], stream: true })
		);
		expect((notLoaded as Error).name).toBe('ModelNotLoadedError');
		expect(codeOf(notLoaded)).toBe('model_not_found');
	});

	it('maps the exported IntegrityError to model_corrupt and names the file', () => {
		const url = 'https://models.example/qwen/params_shard_3.bin';
		const error = toSerializedLlmError(new IntegrityError(url, 'sha256-a', 'sha256-b'));
		expect(error.code).toBe('model_corrupt');
		expect(error.message).toContain(url);
	});

	it.each<[string, unknown, ErrorCode]>([
		[
			'WebGPUNotAvailableError',
			webLlmError(
				'WebGPUNotAvailableError',
				'WebGPU is not supported in your current environment, but it is necessary to run the WebLLM engine.'
			),
			'webgpu_unavailable'
		],
		[
			'WebGPUNotFoundError',
			webLlmError('WebGPUNotFoundError', 'Cannot find WebGPU in the environment'),
			'webgpu_unavailable'
		],
		[
			'the same as a string (web-llm worker boundary)',
			'Error: WebGPU is not supported in your current environment',
			'webgpu_unavailable'
		],
		[
			'no adapter (tvm runtime)',
			new Error(
				"Unable to find a compatible GPU. This issue might be because your computer doesn't have a GPU"
			),
			'webgpu_unavailable'
		],
		[
			'FeatureSupportError',
			webLlmError(
				'FeatureSupportError',
				'This model requires feature timestamp-query, which is not yet supported by this browser.'
			),
			'model_unsupported'
		],
		[
			'buffer limits (tvm runtime)',
			new Error(
				'Cannot initialize runtime because of requested maxBufferSize exceeds limit. requested=256MB, limit=128MB.'
			),
			'model_unsupported'
		],
		[
			'DeviceLostError',
			webLlmError(
				'DeviceLostError',
				'The WebGPU device was lost while loading the model. This issue often occurs due to running out of memory (OOM).'
			),
			'webgpu_device_lost'
		],
		[
			'"Device was lost" string',
			'Device was lost. This can happen due to insufficient memory',
			'webgpu_device_lost'
		],
		[
			'Cannot fetch (string)',
			'Error: Cannot fetch https://m.example/a/tokenizer.json',
			'model_download_failed'
		],
		['TypeError Failed to fetch', new TypeError('Failed to fetch'), 'model_download_failed'],
		[
			'NetworkError DOMException',
			webLlmError('NetworkError', 'A network error occurred.'),
			'model_download_failed'
		],
		[
			'Firefox fetch TypeError',
			new TypeError('NetworkError when attempting to fetch resource.'),
			'model_download_failed'
		],
		[
			'OPFS cache status',
			new Error('ArtifactOPFSCache: Unable to fetch https://m.example/x.bin, received status 404'),
			'model_download_failed'
		],
		[
			'tvm wasm fetch (thrown string)',
			"failed to load wasm binary file at 'x.wasm'",
			'model_download_failed'
		],
		[
			'JSON SyntaxError',
			new SyntaxError('Unexpected token < in JSON at position 0'),
			'model_corrupt'
		],
		[
			'WebAssembly.CompileError',
			webLlmError('CompileError', 'WebAssembly.instantiate(): expected magic word'),
			'model_corrupt'
		],
		[
			'WebAssembly.LinkError',
			webLlmError('LinkError', 'WebAssembly.instantiate(): Import #0 module="env"'),
			'model_corrupt'
		],
		[
			'shape mismatch',
			new Error('data size and shape mismatch data.length1024 vs 2048'),
			'model_corrupt'
		],
		['nbytes mismatch', new Error("Expect the data's length equals nbytes=4096"), 'model_corrupt'],
		[
			'typed-array bounds',
			new RangeError(
				'start offset of Float32Array should be a multiple of 4; ArrayBuffer offset out of bounds'
			),
			'model_corrupt'
		],
		[
			'tensor-cache range',
			new Error('Tensor-cache record range [0, 4096) exceeds shard size 1024'),
			'model_corrupt'
		],
		[
			'ArtifactManifestError',
			webLlmError('ArtifactManifestError', 'bad manifest'),
			'model_corrupt'
		],
		[
			'QuotaExceededError',
			webLlmError('QuotaExceededError', 'The quota has been exceeded.'),
			'quota_exceeded'
		],
		[
			'quota inside a store failure string',
			'Failed to store https://m.example/x.bin with error: QuotaExceededError: quota exceeded',
			'quota_exceeded'
		],
		[
			'ContextWindowSizeExceededError',
			webLlmError(
				'ContextWindowSizeExceededError',
				'Prompt tokens exceed context window size: number of prompt tokens: 5000; context window size: 4096'
			),
			'context_overflow'
		],
		[
			'SpecifiedModelNotFoundError',
			webLlmError(
				'SpecifiedModelNotFoundError',
				'Specified model x for y is not found in loaded models.'
			),
			'model_not_found'
		],
		['AbortError DOMException', webLlmError('AbortError', 'The operation was aborted.'), 'aborted'],
		['unload() abort reason (string)', 'Engine.unload() is called.', 'aborted']
	])('%s → %s', (_label, thrown, code) => {
		const error = toSerializedLlmError(thrown);
		expect(error.code).toBe(code);
		expect(error.message.length).toBeGreaterThan(0);
	});

	it('says which build to choose when shader-f16 is missing', () => {
		const error = toSerializedLlmError(
			webLlmError(
				'ShaderF16SupportError',
				'This model requires WebGPU extension shader-f16, which is not enabled in this browser.'
			)
		);
		expect(error).toEqual({
			code: 'model_unsupported',
			message:
				'This model needs 16-bit float support (shader-f16) that this GPU lacks: choose the 32-bit (f32) build.'
		});
	});

	it('quotes the URL of files it could not fetch, and the token counts of an overflow', () => {
		const fetchError = toSerializedLlmError(
			'Cannot fetch https://m.example/a/mlc-chat-config.json'
		);
		expect(fetchError.message).toContain('https://m.example/a/mlc-chat-config.json');
		expect(fetchError.message).toMatch(/download/i);
		const overflow = toSerializedLlmError(
			webLlmError(
				'ContextWindowSizeExceededError',
				'Prompt tokens exceed context window size: number of prompt tokens: 5000; context window size: 4096'
			)
		);
		expect(overflow.message).toContain('5000');
		expect(overflow.message).toContain('4096');
	});

	it("does not mistake web-llm's generation-setting RangeError for damaged files", () => {
		expect(codeOf(webLlmError('RangeError', 'Make sure 0 < top_p <= 1.'))).toBe('unknown');
	});

	it('keeps the original message for anything else, and never stringifies objects', () => {
		expect(toSerializedLlmError(new Error('Something odd'))).toEqual({
			code: 'unknown',
			message: 'Something odd'
		});
		expect(toSerializedLlmError('plain words')).toEqual({
			code: 'unknown',
			message: 'plain words'
		});
		const opaque = toSerializedLlmError({ toString: () => '[object Secret]' });
		expect(opaque.code).toBe('unknown');
		expect(opaque.message).not.toContain('[object');
		expect(toSerializedLlmError(undefined).message.length).toBeGreaterThan(0);
	});

	it('passes a HearthError through unchanged', () => {
		expect(toSerializedLlmError(new HearthError('engine_crashed', 'Gone.'))).toEqual({
			code: 'engine_crashed',
			message: 'Gone.'
		});
	});
});
