import { describe, expect, it } from 'vitest';
import { toSerializedGgufError } from '$lib/protocol/gguf-errors';
import { HearthError } from '$lib/types/errors';

// What wllama and the browser under it really throw (messages copied from wllama 3.13's source
// and from llama.cpp's log), and the code each becomes.

const wllamaError = (message: string, type: string) => Object.assign(new Error(message), { type });
const runtimeError = (message: string) =>
	Object.assign(new Error(message), { name: 'RuntimeError' });

describe('toSerializedGgufError', () => {
	it('maps each failure to the code the UI explains', () => {
		const abort = Object.assign(new Error('Operation aborted'), { name: 'AbortError' });
		expect(toSerializedGgufError(abort).code).toBe('aborted');
		expect(
			toSerializedGgufError(
				wllamaError(
					'request (643 tokens) exceeds the available context size (512 tokens), try increasing it',
					'inference_error'
				)
			)
		).toEqual({
			code: 'context_overflow',
			message:
				'This conversation is longer than the model can read at once (643 tokens; the model holds 512). Start a new conversation or shorten the message.'
		});
		expect(toSerializedGgufError(wllamaError('no space', 'kv_cache_full')).code).toBe(
			'context_overflow'
		);
		expect(toSerializedGgufError(runtimeError('(ABORT) Cannot enlarge memory arrays')).code).toBe(
			'out_of_memory'
		);
		expect(toSerializedGgufError(new Error('WebGPU device was lost: destroyed')).code).toBe(
			'webgpu_device_lost'
		);
		expect(toSerializedGgufError(runtimeError('(ABORT) unreachable')).code).toBe('engine_crashed');
		expect(
			toSerializedGgufError(new Error('wllama has crashed, please reload the module')).code
		).toBe('engine_crashed');
		expect(toSerializedGgufError(wllamaError('x', 'version_mismatch')).code).toBe(
			'model_unsupported'
		);
		expect(toSerializedGgufError(new TypeError('Failed to fetch')).code).toBe(
			'model_download_failed'
		);
	});

	it('quotes llama.cpp’s own reason for a refused model from its log', () => {
		const refused = { name: 'WllamaError', type: 'load_error', message: '' };
		expect(
			toSerializedGgufError(
				refused,
				'llama_model_load: error loading model: llama_model_loader: failed to read magic'
			)
		).toMatchObject({ code: 'model_corrupt' });
		const arch = toSerializedGgufError(
			refused,
			"llama_model_load: error loading model architecture: unknown model architecture: 'mamba9'"
		);
		expect(arch.code).toBe('model_unsupported');
		expect(arch.message).toContain("unknown model architecture: 'mamba9'");
		expect(toSerializedGgufError(refused).message).toContain('not a GGUF model');
	});

	it('keeps HearthErrors and says something for the unknown', () => {
		expect(toSerializedGgufError(new HearthError('quota_exceeded', 'Full.'))).toEqual({
			code: 'quota_exceeded',
			message: 'Full.'
		});
		expect(toSerializedGgufError('odd')).toEqual({ code: 'unknown', message: 'odd' });
		expect(toSerializedGgufError(undefined).message).toContain('without saying why');
	});
});
