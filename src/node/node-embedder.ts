// Embeddings in Node: transformers.js (the library the web app runs in its embeddings worker)
// in-process on the CPU, from a local folder only. The terminal never downloads a model by
// itself and never reaches a hub: the files of a catalog model are put under the models folder
// in the hub's layout (<folder>/<owner>/<name>/onnx/model_quantized.onnx…). Without them,
// knowledge search is keyword-only and memories are matched by their words, and Hearth says why.
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
	DEFAULT_EMBED_MODEL_ID,
	findEmbedModel,
	withPrefix,
	type EmbedModelInfo
} from '$lib/knowledge/embed-catalog';
import type { ActiveEmbedder, EmbedFn } from '$lib/knowledge/pipeline/types';
import { HearthError, toHearthError } from '$lib/types/errors';

export interface NodeEmbedderOptions {
	/** Folder holding models in the hub's layout. */
	modelsDir: string;
	/** A catalog id; '' = the web app's default. */
	modelId?: string;
	/** ONNX Runtime threads (tests and benchmarks pass 1 on a shared machine). */
	threads?: number;
	/** Texts per model call. */
	batchSize?: number;
}

interface Extractor {
	(
		texts: string[],
		options: { pooling: 'mean'; normalize: true }
	): Promise<{ dims: number[]; data: ArrayLike<number> }>;
	dispose(): Promise<unknown>;
}

/** Why the model cannot be used here, or undefined when its files are all present. */
export function missingEmbedModel(modelsDir: string, model: EmbedModelInfo): string | undefined {
	const absent = model.files.filter((f) => !existsSync(path.join(modelsDir, model.id, f)));
	if (absent.length === 0) return undefined;
	return `the embedding model ${model.id} is not in ${modelsDir} (missing ${absent.join(', ')})`;
}

export class NodeEmbedder {
	readonly model: EmbedModelInfo;
	readonly #options: NodeEmbedderOptions;
	#extractor: Promise<Extractor> | undefined;

	constructor(options: NodeEmbedderOptions) {
		const id = options.modelId || DEFAULT_EMBED_MODEL_ID;
		const model = findEmbedModel(id);
		if (!model) {
			throw new HearthError('model_not_found', `There is no embedding model called ${id}.`);
		}
		this.model = model;
		this.#options = options;
	}

	/** Why this model cannot run (its files are missing), or undefined. */
	get unavailable(): string | undefined {
		return missingEmbedModel(this.#options.modelsDir, this.model);
	}

	/** The embedder the pipeline uses, or undefined (with `unavailable` saying why). */
	active(): ActiveEmbedder | undefined {
		if (this.unavailable) return undefined;
		return { model: this.model.id, embed: this.embed };
	}

	#load(): Promise<Extractor> {
		this.#extractor ??= (async () => {
			const why = this.unavailable;
			if (why) throw new HearthError('model_not_downloaded', `Hearth cannot embed: ${why}.`);
			const { env, pipeline } = await import('@huggingface/transformers');
			env.allowRemoteModels = false;
			env.allowLocalModels = true;
			env.localModelPath = `${path.resolve(this.#options.modelsDir)}${path.sep}`;
			env.useBrowserCache = false;
			env.useFSCache = false;
			const threads = this.#options.threads;
			try {
				return (await pipeline('feature-extraction', this.model.id, {
					device: 'cpu',
					dtype: this.model.dtype,
					...(threads
						? { session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 } }
						: {})
				})) as unknown as Extractor;
			} catch (e) {
				throw new HearthError(
					'model_corrupt',
					`The embedding model ${this.model.id} could not be loaded: ${toHearthError(e).message}`,
					{ cause: e }
				);
			}
		})();
		this.#extractor.catch(() => (this.#extractor = undefined));
		return this.#extractor;
	}

	/** One unit vector per text, with the model's query or passage prefix; batches of 32. */
	readonly embed: EmbedFn = async (texts, kind, signal) => {
		const extractor = await this.#load();
		const size = Math.max(1, this.#options.batchSize ?? 32);
		const out: Float32Array[] = [];
		for (let at = 0; at < texts.length; at += size) {
			signal?.throwIfAborted();
			const batch = texts.slice(at, at + size).map((t) => withPrefix(this.model, kind, t));
			const tensor = await extractor(batch, { pooling: 'mean', normalize: true });
			const dims = tensor.dims[1] ?? 0;
			const data = Float32Array.from(tensor.data);
			for (let i = 0; i < batch.length; i++) out.push(data.slice(i * dims, (i + 1) * dims));
		}
		signal?.throwIfAborted();
		return out;
	};

	async dispose(): Promise<void> {
		const loading = this.#extractor;
		this.#extractor = undefined;
		if (!loading) return;
		await (await loading.catch(() => null))?.dispose();
	}
}
