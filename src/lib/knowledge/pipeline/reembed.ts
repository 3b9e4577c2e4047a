// Embeds the chunks that have no vector of the active model: after ingest without a ready model,
// or after the user changes model ("changing model re-embeds in the background"). Identical
// passages are embedded once; memory holds one batch of texts at a time.
import { toHearthError } from '$lib/types/errors';
import type { StoredVector } from '$lib/types/knowledge';
import type { KnowledgeStore } from '$lib/knowledge/store/knowledge-store';
import { encodeVector, rekeyVector } from '$lib/knowledge/store/vector-codec';
import type { VectorEncoding } from '$lib/knowledge/store/vector-codec';
import type { ActiveEmbedder } from './types';

export interface ReembedOptions {
	signal?: AbortSignal;
	batchSize?: number;
	encoding?: VectorEncoding;
	onProgress?: (progress: { done: number; total: number }) => void;
}

/** Returns how many chunks got a vector. Stops with HearthError('aborted') when cancelled. */
export async function embedMissing(
	repo: KnowledgeStore,
	embedder: ActiveEmbedder,
	options: ReembedOptions = {}
): Promise<number> {
	const batchSize = Math.max(1, options.batchSize ?? 32);
	const have = await repo.vectorKeys(embedder.model);
	const missing: string[] = [];
	await repo.eachChunk((chunk) => {
		if (!have.has(chunk.id)) missing.push(chunk.id);
	});
	let done = 0;
	options.onProgress?.({ done, total: missing.length });
	try {
		for (let at = 0; at < missing.length; at += batchSize) {
			options.signal?.throwIfAborted();
			const chunks = (await repo.getChunks(missing.slice(at, at + batchSize))).flatMap((c) =>
				c ? [c] : []
			);
			const reuse = await repo.vectorsByChunkHash(
				embedder.model,
				chunks.map((c) => c.hash)
			);
			const toEmbed = new Map<string, string>();
			for (const c of chunks) if (!reuse.has(c.hash)) toEmbed.set(c.hash, c.text);
			const texts = [...toEmbed.values()];
			const out = texts.length ? await embedder.embed(texts, 'passage', options.signal) : [];
			const fresh = new Map([...toEmbed.keys()].map((hash, i) => [hash, out[i]] as const));
			const rows: StoredVector[] = [];
			for (const c of chunks) {
				const reused = reuse.get(c.hash);
				const vector = fresh.get(c.hash);
				if (reused) rows.push(rekeyVector(reused, c.id));
				else if (vector) rows.push(encodeVector(embedder.model, c.id, vector, options.encoding));
			}
			options.signal?.throwIfAborted();
			await repo.putVectors(embedder.model, rows);
			done += rows.length;
			options.onProgress?.({ done, total: missing.length });
		}
	} catch (e) {
		throw toHearthError(e);
	}
	return done;
}
