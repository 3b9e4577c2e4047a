import { describe, expect, it } from 'vitest';
import { modelNameOf, readGgufHeader, verifyGgufFile } from '$lib/engine/gguf-header';
import {
	makeGguf,
	storiesModel,
	str,
	strings,
	u32v,
	STORIES_BYTES
} from '$lib/engine/gguf-test-kit';
import { HearthError } from '$lib/types/errors';

/** The reader fetches 1 MiB at a time. */
const READ_CHUNK_BYTES = 1024 * 1024;

const blob = (bytes: Uint8Array<ArrayBuffer>) => new Blob([bytes]);

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
	try {
		await promise;
	} catch (e) {
		if (e instanceof HearthError) return { code: e.code, message: e.message };
		throw e;
	}
	throw new Error('expected a failure');
}

describe('readGgufHeader on the real stories260K', () => {
	const model = storiesModel();

	it('reads what the MANIFEST says about it and finds it whole', async (t) => {
		if ('skip' in model) return t.skip(model.skip);
		const header = await verifyGgufFile(blob(model.bytes), 'stories260K.gguf');
		expect(header).toMatchObject({
			version: 3,
			tensorCount: 48,
			metadataCount: 19,
			architecture: 'llama',
			contextLength: 2048,
			projector: false
		});
		// No chat template: llama.cpp falls back to ChatML for chat requests.
		expect(header.chatTemplate).toBeUndefined();
		expect(header.minimumBytes).toBeLessThanOrEqual(STORIES_BYTES);
		expect(STORIES_BYTES - (header.minimumBytes ?? 0)).toBeLessThan(32);
	});

	it('finds a copy cut short, with both sizes', async (t) => {
		if ('skip' in model) return t.skip(model.skip);
		const cut = model.bytes.slice(0, 600_000);
		const failure = await codeOf(verifyGgufFile(blob(cut), 'stories260K.gguf'));
		expect(failure.code).toBe('model_corrupt');
		expect(failure.message).toContain('cut short');
		expect(failure.message).toContain('600,000 bytes');
	});

	it('reads a header whose metadata is larger than one read', async () => {
		// A vocabulary of many strings spans several 1 MiB reads.
		const vocab = Array.from({ length: 80_000 }, (_, i) => `token-${i}`);
		const bytes = makeGguf({
			'general.architecture': str('qwen2'),
			'tokenizer.ggml.tokens': strings(vocab),
			'qwen2.context_length': u32v(32768),
			'tokenizer.chat_template': str(
				'{% for m in messages %}{{ m.content }}{% endfor %}{% if tools %}x{% endif %}'
			)
		});
		const header = await verifyGgufFile(blob(bytes));
		expect(header.architecture).toBe('qwen2');
		expect(header.contextLength).toBe(32768);
		expect(header.chatTemplate).toContain('tools');
		expect(header.dataOffset).toBeGreaterThan(READ_CHUNK_BYTES);
	});
});

describe('readGgufHeader on files that are not models', () => {
	it('names what a non-GGUF file starts with', async () => {
		const html = new TextEncoder().encode('<!doctype html><title>Not found</title>'.padEnd(64));
		const failure = await codeOf(readGgufHeader(blob(html), 'model.gguf'));
		expect(failure).toEqual({
			code: 'model_corrupt',
			message: 'model.gguf is not a usable GGUF model: it starts with "<!do" instead of "GGUF".'
		});
	});

	it('refuses an unknown version and a tiny file', async () => {
		const v9 = makeGguf({}, undefined, { version: 9 });
		expect((await codeOf(readGgufHeader(blob(v9)))).message).toContain('version 9');
		expect((await codeOf(readGgufHeader(blob(new Uint8Array(10))))).message).toContain(
			'only 10 bytes'
		);
	});

	it('refuses a header that ends inside itself, and absurd counts', async () => {
		const whole = makeGguf({ 'general.name': str('a long enough name for the test') });
		const cut = whole.slice(0, 40);
		expect((await codeOf(readGgufHeader(blob(cut)))).message).toContain('inside its header');
		const absurd = makeGguf({});
		new DataView(absurd.buffer).setBigUint64(8, 1n << 40n, true);
		expect((await codeOf(readGgufHeader(blob(absurd)))).message).toContain('tensors');
	});

	it('reads split and projector files', async () => {
		const split = makeGguf({
			'general.architecture': str('llama'),
			'split.no': u32v(1),
			'split.count': u32v(3)
		});
		expect((await readGgufHeader(blob(split))).split).toEqual({ index: 1, count: 3 });
		const mmproj = makeGguf({ 'general.architecture': str('clip') });
		expect((await readGgufHeader(blob(mmproj))).projector).toBe(true);
	});

	it('sizes quantised tensors by their block layout', async () => {
		// Q4_K: 256 weights per 144-byte block; 512 x 4 weights = 8 blocks = 1152 bytes.
		const bytes = makeGguf({}, [{ name: 'q', dims: [512, 4], type: 12 }]);
		const header = await verifyGgufFile(blob(bytes));
		expect((header.minimumBytes ?? 0) - header.dataOffset).toBe(1152);
		const short = bytes.slice(0, bytes.length - 100);
		expect((await codeOf(verifyGgufFile(blob(short)))).message).toContain('cut short');
	});
});

describe('modelNameOf', () => {
	it('takes a real name and passes over one that only repeats the architecture', () => {
		expect(modelNameOf({ name: 'Qwen2.5 0.5B Instruct', architecture: 'qwen2' })).toBe(
			'Qwen2.5 0.5B Instruct'
		);
		expect(modelNameOf({ name: 'llama', architecture: 'llama' })).toBeUndefined();
		expect(modelNameOf({ name: ' LLaMA ', architecture: 'llama' })).toBeUndefined();
		expect(modelNameOf({ name: '  ', architecture: 'llama' })).toBeUndefined();
		expect(modelNameOf({ architecture: 'llama' })).toBeUndefined();
		expect(modelNameOf({ name: 'llama' })).toBe('llama');
	});
});
