// Test-only: a bag-of-words embedder, the double at the embedding boundary (the real one runs a
// model in a worker). Texts sharing words are similar; texts sharing none score 0.
import { HearthError } from '$lib/types/errors';
import { contentWords } from './text';
import type { EmbedFn, MemoryEmbedder } from './vectors';

const DIMS = 512;

function bucket(word: string): number {
	let h = 2166136261;
	for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619);
	return (h >>> 0) % DIMS;
}

export function bagOfWords(text: string): Float32Array {
	const v = new Float32Array(DIMS);
	for (const w of contentWords(text)) v[bucket(w)] = (v[bucket(w)] ?? 0) + 1;
	return v;
}

export interface TestEmbedder extends MemoryEmbedder {
	model: string;
	/** Every call's texts, in order. */
	readonly calls: string[][];
	/** Calls after this many fail (an embedder that crashed or is not loaded). */
	failAfter: number;
}

export function testEmbedder(model = 'bow-test'): TestEmbedder {
	const calls: string[][] = [];
	const self: TestEmbedder = {
		model,
		calls,
		failAfter: Infinity,
		embed: (async (texts, _kind, signal) => {
			if (signal?.aborted) throw new HearthError('aborted', 'Stopped.');
			if (calls.length >= self.failAfter) {
				throw new HearthError('no_model', 'No embedding model is loaded.');
			}
			calls.push([...texts]);
			return texts.map(bagOfWords);
		}) satisfies EmbedFn
	};
	return self;
}
