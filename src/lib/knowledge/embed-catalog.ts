import type { EmbedDtype } from '$lib/protocol/embed';

// The embedding models Hearth offers, as data. Sizes are the q8 ONNX exports (Xenova/*) plus
// their tokenizer, rounded; the download learns exact sizes from the server. Scores are MTEB
// SciFact nDCG@10 (the benchmark `npm run bench -- knowledge` runs), as published.

export interface EmbedModelInfo {
	/** Hugging Face id: the download path and the id transformers.js loads. */
	id: string;
	name: string;
	dims: number;
	/** Approximate download size. */
	sizeMB: number;
	/** Longer passages are truncated by the tokenizer: chunking must stay below this. */
	maxTokens: number;
	/** MTEB SciFact nDCG@10 ×100, when published; null when not. */
	scifactNdcg10: number | null;
	languages: 'english' | 'multilingual';
	/** Prepended to a search query; the model was trained to expect it. */
	queryPrefix: string;
	/** Prepended to a stored passage. */
	passagePrefix: string;
	dtype: EmbedDtype;
	/** Every file transformers.js reads for this model with `dtype`, relative to the repo root. */
	files: string[];
	license: string;
	/** Generated for tests: no notion of meaning, never offered to a person. */
	testOnly?: boolean;
}

/** What transformers.js 4 reads for a feature-extraction model with dtype 'q8'. */
const Q8_FILES = [
	'config.json',
	'tokenizer.json',
	'tokenizer_config.json',
	'onnx/model_quantized.onnx'
];

export const EMBED_CATALOG: readonly EmbedModelInfo[] = [
	{
		id: 'Xenova/gte-small',
		name: 'GTE small',
		dims: 384,
		sizeMB: 34,
		maxTokens: 512,
		scifactNdcg10: 72.7,
		languages: 'english',
		queryPrefix: '',
		passagePrefix: '',
		dtype: 'q8',
		files: Q8_FILES,
		license: 'MIT'
	},
	{
		id: 'Xenova/bge-small-en-v1.5',
		name: 'BGE small (English) v1.5',
		dims: 384,
		sizeMB: 34,
		maxTokens: 512,
		scifactNdcg10: 71.3,
		languages: 'english',
		// BGE v1.5 retrieves best with this instruction on queries and none on passages.
		queryPrefix: 'Represent this sentence for searching relevant passages: ',
		passagePrefix: '',
		dtype: 'q8',
		files: Q8_FILES,
		license: 'MIT'
	},
	{
		id: 'Xenova/all-MiniLM-L6-v2',
		name: 'MiniLM L6 v2',
		dims: 384,
		sizeMB: 23,
		// Trained on 128-token pieces; sentence-transformers caps it at 256.
		maxTokens: 256,
		scifactNdcg10: 64.5,
		languages: 'english',
		queryPrefix: '',
		passagePrefix: '',
		dtype: 'q8',
		files: Q8_FILES,
		license: 'Apache-2.0'
	},
	{
		id: 'Xenova/multilingual-e5-small',
		name: 'Multilingual E5 small',
		dims: 384,
		// The XLM-R tokenizer alone is ~17 MB.
		sizeMB: 135,
		maxTokens: 512,
		scifactNdcg10: null,
		languages: 'multilingual',
		// E5 models are trained with these markers; without them retrieval quality drops.
		queryPrefix: 'query: ',
		passagePrefix: 'passage: ',
		dtype: 'q8',
		files: Q8_FILES,
		license: 'MIT'
	},
	{
		id: 'hearth-test/bow-embedder',
		name: 'Test embedder (bag of words)',
		dims: 128,
		sizeMB: 4.8,
		maxTokens: 512,
		scifactNdcg10: null,
		languages: 'english',
		queryPrefix: '',
		passagePrefix: '',
		dtype: 'q8',
		files: Q8_FILES,
		license: 'generated',
		testOnly: true
	}
];

/** nDCG points one MB of download must be worth: a 10-point gain justifies ~100 MB more. */
const POINTS_PER_MB = 0.1;

/**
 * The default: the English model with the best score net of its size. With the figures above
 * gte-small wins (72.7 − 3.4) over bge-small (71.3 − 3.4) and MiniLM (64.5 − 2.3).
 */
export function chooseDefaultEmbedModel(catalog: readonly EmbedModelInfo[]): EmbedModelInfo {
	let best: { model: EmbedModelInfo; value: number } | undefined;
	for (const model of catalog) {
		if (model.testOnly || model.scifactNdcg10 === null || model.languages !== 'english') continue;
		const value = model.scifactNdcg10 - POINTS_PER_MB * model.sizeMB;
		if (!best || value > best.value) best = { model, value };
	}
	if (!best) throw new Error('The embedding catalog has no scored English model.');
	return best.model;
}

export const DEFAULT_EMBED_MODEL_ID = chooseDefaultEmbedModel(EMBED_CATALOG).id;

/** Models a person may pick (the test model is left out unless asked for). */
export function offeredEmbedModels(includeTest = false): EmbedModelInfo[] {
	return EMBED_CATALOG.filter((m) => includeTest || !m.testOnly);
}

export function findEmbedModel(id: string): EmbedModelInfo | undefined {
	return EMBED_CATALOG.find((m) => m.id === id);
}

/** The text as the model expects it for its role (query or stored passage). */
export function withPrefix(model: EmbedModelInfo, kind: 'query' | 'passage', text: string): string {
	return `${kind === 'query' ? model.queryPrefix : model.passagePrefix}${text}`;
}
