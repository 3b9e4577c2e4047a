import { open, readdir, stat } from 'node:fs/promises';
import { totalmem } from 'node:os';
import path from 'node:path';
import type * as NodeLlamaCpp from 'node-llama-cpp';
import type { ModelInfo } from '$lib/engine/types';
import { HearthError } from '$lib/types/errors';
import { formatBytes } from '$lib/utils/format-bytes';

/** node-llama-cpp's module, loaded on first use so nothing else pays for the native runtime. */
export type LlamaRuntime = typeof NodeLlamaCpp;

/** Every GGUF file starts with these four bytes. */
const GGUF_MAGIC = 'GGUF';

/**
 * Checks that `file` exists, is a GGUF file and can fit in memory, before llama.cpp is asked to
 * load it (its own errors say little). Returns the file's size.
 */
export async function checkGgufFile(
	file: string,
	memoryBytes: number = totalmem()
): Promise<number> {
	let size: number;
	try {
		const info = await stat(file);
		if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
		size = info.size;
	} catch (e) {
		throw new HearthError(
			'model_not_found',
			`There is no model file at ${file}. Check the path, or download a model first.`,
			{ cause: e }
		);
	}
	const handle = await open(file, 'r');
	const head = Buffer.alloc(4);
	try {
		await handle.read(head, 0, 4, 0);
	} finally {
		await handle.close();
	}
	if (head.toString('latin1') !== GGUF_MAGIC) {
		throw new HearthError(
			'model_corrupt',
			`${path.basename(file)} is not a GGUF model file (it does not start with "GGUF"). Hearth runs llama.cpp models in the GGUF format.`
		);
	}
	// The weights are mapped into memory whole; a model larger than the machine's memory
	// would page forever (or be killed) instead of answering.
	if (size > memoryBytes) {
		throw new HearthError(
			'model_unsupported',
			`${path.basename(file)} is ${formatBytes(size)}, more than this computer's memory (${formatBytes(memoryBytes)}). Choose a smaller or more quantised model.`
		);
	}
	return size;
}

/**
 * Checks that `file` holds every byte its header promises. A download cut short keeps a valid
 * header, and llama.cpp refuses it only from native code (where node-llama-cpp has been seen to
 * stop for good afterwards); the header alone tells how long the file must be.
 */
export async function checkGgufComplete(runtime: LlamaRuntime, file: string): Promise<void> {
	const name = path.basename(file);
	let needed: number;
	try {
		const info = await runtime.readGgufFileInfo(file, {
			logWarnings: false,
			// Split models carry their tensors in other parts; each part is checked by llama.cpp.
			spliceSplitFiles: false,
			// The vocabulary is the bulk of a header and says nothing about the file's length.
			ignoreKeys: [
				'tokenizer.ggml.tokens',
				'tokenizer.ggml.scores',
				'tokenizer.ggml.merges',
				'tokenizer.ggml.token_type'
			]
		});
		if (info.infoEndOffset === undefined || info.splicedParts !== 1) return;
		needed = info.infoEndOffset + (await runtime.GgufInsights.from(info)).modelSize;
	} catch (e) {
		throw new HearthError(
			'model_corrupt',
			`${name} could not be read as a GGUF model (damaged or incomplete?): ${e instanceof Error ? e.message : String(e)}`,
			{ cause: e }
		);
	}
	const { size } = await stat(file);
	if (size < needed) {
		throw new HearthError(
			'model_corrupt',
			`${name} is incomplete: it has ${formatBytes(size)} of the ${formatBytes(needed)} its header describes. Download it again.`
		);
	}
}

/** The .gguf files directly in `dir` (absolute paths, sorted); none when it does not exist. */
export async function ggufFilesIn(dir: string): Promise<string[]> {
	try {
		const names = await readdir(dir);
		return names
			.filter((name) => name.toLowerCase().endsWith('.gguf'))
			.sort()
			.map((name) => path.join(dir, name));
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
		throw e;
	}
}

/**
 * llama.cpp's threads spin-wait for work, so more threads than free cores makes everything
 * slower (80 tokens took 100 s instead of 57 ms on a loaded 2-core machine). The default is
 * half the cores, at least 1, at most 8, with the reason to show the user.
 */
export function pickThreads(cores: number): { threads: number; reason: string } {
	const threads = Math.max(1, Math.min(8, Math.floor(cores / 2)));
	return {
		threads,
		reason: `${threads} thread${threads === 1 ? '' : 's'} for llama.cpp: half of this computer's ${cores} core${cores === 1 ? '' : 's'} (set engines.llamacpp.threads in config.yaml to change it)`
	};
}

/** What a GGUF file says about itself, read from its header without loading the weights. */
export async function modelInfoOf(
	runtime: LlamaRuntime,
	file: string
): Promise<ModelInfo | undefined> {
	try {
		const info = await runtime.readGgufFileInfo(file, {
			readTensorInfo: false,
			logWarnings: false
		});
		const meta = info.metadata as unknown as Record<string, Record<string, unknown> | undefined>;
		const general = meta.general ?? {};
		const arch = typeof general.architecture === 'string' ? general.architecture : undefined;
		const archMeta = arch ? meta[arch] : undefined;
		const contextLength = archMeta?.context_length;
		const { size } = await stat(file);
		return {
			id: path.basename(file),
			name: typeof general.name === 'string' ? general.name : path.basename(file, '.gguf'),
			sizeBytes: size,
			family: arch,
			parameterSize: typeof general.size_label === 'string' ? general.size_label : undefined,
			contextLength: typeof contextLength === 'number' ? contextLength : undefined
		};
	} catch {
		// A damaged file is still listed by name; loading it explains what is wrong.
		return undefined;
	}
}
