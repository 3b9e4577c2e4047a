// Test-only: simple real implementations of the pipeline's interfaces (a paragraph chunker and a
// bag-of-words embedder), so tests run the queue and search without the worker or the parsers.
import { HearthError } from '$lib/types/errors';
import type { ChunkData } from '$lib/types/knowledge';
import { sha256Hex } from '$lib/knowledge/store/hash';
import type { ActiveEmbedder, ChunkSource, EmbedFn } from './types';

/** One chunk per blank-line-separated paragraph; a NUL byte makes the file "binary". */
export const paragraphChunks: ChunkSource = async function* (file, { signal }) {
	const text = await file.text();
	if (text.includes('\u0000')) {
		throw new HearthError('content_unreadable', `"${file.name}" looks like a binary file.`);
	}
	let ordinal = 0;
	let line = 1;
	for (const paragraph of text.split(/\n\s*\n/)) {
		signal?.throwIfAborted();
		const lines = paragraph.split('\n').length;
		const chunk: ChunkData = {
			ordinal: ordinal++,
			text: paragraph.trim(),
			startLine: line,
			endLine: line + lines - 1,
			hash: await sha256Hex(paragraph.trim())
		};
		line += lines + 1;
		if (chunk.text) yield chunk;
	}
};

const VOCAB_DIMS = 1024;

function bucket(word: string): number {
	let h = 0;
	for (let i = 0; i < word.length; i++) h = (h * 31 + word.charCodeAt(i)) >>> 0;
	return h % VOCAB_DIMS;
}

/** Hashed bag of words: texts sharing words get close vectors. Counts every text it embeds. */
export function bagOfWords(model = 'test-bow'): ActiveEmbedder & { texts: string[] } {
	const texts: string[] = [];
	const embed: EmbedFn = async (batch, _kind, signal) => {
		signal?.throwIfAborted();
		texts.push(...batch);
		return batch.map((text) => {
			const v = new Float32Array(VOCAB_DIMS);
			for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
				const b = bucket(word);
				v[b] = (v[b] ?? 0) + 1;
			}
			return v;
		});
	};
	return { model, embed, texts };
}
