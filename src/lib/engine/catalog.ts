import type { WebModelSpec } from '$lib/protocol/llm';
import { DEFAULT_SETTINGS } from '$lib/types/settings';

// The in-browser models Hearth offers, as typed data. Ids, library files, VRAM and context
// windows are copied from web-llm 0.2.86's `prebuiltAppConfig` (the libraries are compiled for
// exactly those ids, so they must not drift); the rest is ours.

export type ModelCapability = 'tools' | 'vision' | 'reasoning';
export type Precision = 'f16' | 'f32';

export interface CatalogVariant {
	/** web-llm model_id, e.g. 'Qwen2.5-1.5B-Instruct-q4f32_1-MLC'. */
	id: string;
	precision: Precision;
	/** 'q4f16_1' | 'q4f32_1' | 'q0f16' | 'q0f32' */
	quantization: string;
	/** Repository name under the model base URL. */
	repo: string;
	/** Model library file name under the library base URL. */
	lib: string;
	/** Approximate, until the real tensor-cache.json is read (see `approxDownloadBytes`). */
	downloadBytes: number;
	vramMB: number;
	/** ['shader-f16'] for f16 variants. */
	requiredFeatures: string[];
	/**
	 * Bytes of the largest single weight tensor (the 4-bit packed embedding, vocab × hidden / 2):
	 * a lower bound for the GPU's maxStorageBufferBindingSize. Optional so hand-written test
	 * variants need not state it.
	 */
	largestTensorBytes?: number;
}

export interface CatalogModel {
	/** Stable across releases: stored in settings and shown in URLs. */
	key: string;
	name: string;
	family: string;
	parameters: string;
	contextWindow: number;
	capabilities: ModelCapability[];
	/** One plain line: what it is good for. */
	summary: string;
	variants: Record<Precision, CatalogVariant>;
}

/** Where model folders and model libraries are fetched from; both end with '/'. */
export interface ModelSources {
	modelBaseUrl: string;
	modelLibBaseUrl: string;
}

/** web-llm's own defaults, as Settings holds them (the one place the URLs are written). */
export const DEFAULT_SOURCES: ModelSources = {
	modelBaseUrl: DEFAULT_SETTINGS.modelBaseUrl,
	modelLibBaseUrl: DEFAULT_SETTINGS.modelLibBaseUrl
};

const MB = 1024 * 1024;
/** Tokenizer, config and tensor-cache.json: a few MB whatever the model. */
const OVERHEAD_BYTES = 12 * MB;

/**
 * Download size estimate. Basis: q4 group quantization stores 4 bits per weight plus one scale per
 * group of 32 weights (f16 scale: 4.5 bits per weight; f32 scale: 5 bits), plus the tokenizer.
 * This lands within ~10% of the published MLC repositories; the download reads the exact total
 * from tensor-cache.json.
 */
export function approxDownloadBytes(parameters: number, precision: Precision): number {
	const bitsPerWeight = precision === 'f16' ? 4.5 : 5;
	return Math.round((parameters * bitsPerWeight) / 8) + OVERHEAD_BYTES;
}

interface VariantSeed {
	vramMB: number;
	/** Override when the library is shared with another model (e.g. Qwen2 libraries). */
	lib?: string;
}

interface ModelSeed {
	key: string;
	name: string;
	family: string;
	parameters: string;
	/** Exact parameter count, for the download estimate. */
	parameterCount: number;
	/** Repository/id stem before the quantization suffix, e.g. 'Qwen2.5-1.5B-Instruct'. */
	stem: string;
	/** Library stem when it differs from `stem`, e.g. 'Qwen2-1.5B-Instruct'. */
	libStem?: string;
	/** Library suffix after the quantization: '_cs1k-webgpu.wasm' for almost all. */
	libSuffix?: string;
	/** Vocabulary and hidden size (from the model's config.json): size the embedding tensor. */
	vocab: number;
	hidden: number;
	contextWindow: number;
	capabilities: ModelCapability[];
	summary: string;
	f16: VariantSeed;
	f32: VariantSeed;
}

const QUANT: Record<Precision, string> = { f16: 'q4f16_1', f32: 'q4f32_1' };

function variantOf(seed: ModelSeed, precision: Precision): CatalogVariant {
	const quantization = QUANT[precision];
	const repo = `${seed.stem}-${quantization}-MLC`;
	const own = seed[precision];
	return {
		id: repo,
		precision,
		quantization,
		repo,
		lib:
			own.lib ??
			`${seed.libStem ?? seed.stem}-${quantization}${seed.libSuffix ?? '_cs1k-webgpu.wasm'}`,
		downloadBytes: approxDownloadBytes(seed.parameterCount, precision),
		vramMB: own.vramMB,
		requiredFeatures: precision === 'f16' ? ['shader-f16'] : [],
		largestTensorBytes: (seed.vocab * seed.hidden) / 2
	};
}

function modelOf(seed: ModelSeed): CatalogModel {
	return {
		key: seed.key,
		name: seed.name,
		family: seed.family,
		parameters: seed.parameters,
		contextWindow: seed.contextWindow,
		capabilities: seed.capabilities,
		summary: seed.summary,
		variants: { f16: variantOf(seed, 'f16'), f32: variantOf(seed, 'f32') }
	};
}

// Ordered from smallest to largest; among models of equal size the one to recommend comes first
// (capability.ts ranks by size and keeps catalog order for ties).
// SmolLM2 uses q4 rather than web-llm's q0 (unquantized) builds: q4 is ~200 MB instead of ~725 MB
// and needs half the VRAM, which is the whole point of the smallest model (weak devices).
// DeepSeek-R1-Distill-Qwen-1.5B is not in prebuiltAppConfig: its architecture is Qwen2-1.5B, so
// it runs on that library; VRAM is Qwen2.5-1.5B's plus its untied embedding (~240 MB at q4).
const SEEDS: ModelSeed[] = [
	{
		key: 'smollm2-360m',
		name: 'SmolLM2 360M Instruct',
		family: 'SmolLM2',
		parameters: '360M',
		parameterCount: 362e6,
		stem: 'SmolLM2-360M-Instruct',
		vocab: 49152,
		hidden: 960,
		contextWindow: 4096,
		capabilities: [],
		summary: 'Tiny and fast: short answers and rewording on weak devices, little reasoning.',
		f16: { vramMB: 376.06 },
		f32: { vramMB: 579.61 }
	},
	{
		key: 'qwen2.5-0.5b',
		name: 'Qwen2.5 0.5B Instruct',
		family: 'Qwen2.5',
		parameters: '0.5B',
		parameterCount: 494e6,
		stem: 'Qwen2.5-0.5B-Instruct',
		libStem: 'Qwen2-0.5B-Instruct',
		vocab: 151936,
		hidden: 896,
		contextWindow: 4096,
		capabilities: [],
		summary: 'Very small multilingual chat model for quick, simple questions.',
		f16: { vramMB: 944.62 },
		f32: { vramMB: 1060.2 }
	},
	{
		key: 'llama3.2-1b',
		name: 'Llama 3.2 1B Instruct',
		family: 'Llama 3.2',
		parameters: '1B',
		parameterCount: 1.24e9,
		stem: 'Llama-3.2-1B-Instruct',
		vocab: 128256,
		hidden: 2048,
		contextWindow: 4096,
		capabilities: [],
		summary: 'Small general chat model: summaries and everyday questions on modest hardware.',
		f16: { vramMB: 879.04 },
		f32: { vramMB: 1128.82 }
	},
	{
		key: 'qwen2.5-1.5b',
		name: 'Qwen2.5 1.5B Instruct',
		family: 'Qwen2.5',
		parameters: '1.5B',
		parameterCount: 1.54e9,
		stem: 'Qwen2.5-1.5B-Instruct',
		libStem: 'Qwen2-1.5B-Instruct',
		vocab: 151936,
		hidden: 1536,
		contextWindow: 4096,
		capabilities: ['tools'],
		summary: 'Good all-rounder for its size: chat, writing help and simple tool use.',
		f16: { vramMB: 1629.75 },
		f32: { vramMB: 1888.97 }
	},
	{
		key: 'deepseek-r1-distill-qwen-1.5b',
		name: 'DeepSeek R1 Distill Qwen 1.5B',
		family: 'DeepSeek-R1-Distill-Qwen',
		parameters: '1.5B',
		parameterCount: 1.78e9,
		stem: 'DeepSeek-R1-Distill-Qwen-1.5B',
		libStem: 'Qwen2-1.5B-Instruct',
		vocab: 151936,
		hidden: 1536,
		contextWindow: 4096,
		capabilities: ['reasoning'],
		summary: 'Thinks step by step before answering: small maths and logic problems.',
		f16: { vramMB: 1870 },
		f32: { vramMB: 2130 }
	},
	{
		key: 'qwen2.5-3b',
		name: 'Qwen2.5 3B Instruct',
		family: 'Qwen2.5',
		parameters: '3B',
		parameterCount: 3.09e9,
		stem: 'Qwen2.5-3B-Instruct',
		vocab: 151936,
		hidden: 2048,
		contextWindow: 4096,
		capabilities: ['tools'],
		summary: 'Solid chat and tool use on laptops with a decent GPU.',
		f16: { vramMB: 2504.76 },
		f32: { vramMB: 2893.64 }
	},
	{
		key: 'llama3.2-3b',
		name: 'Llama 3.2 3B Instruct',
		family: 'Llama 3.2',
		parameters: '3B',
		parameterCount: 3.21e9,
		stem: 'Llama-3.2-3B-Instruct',
		vocab: 128256,
		hidden: 3072,
		contextWindow: 4096,
		capabilities: ['tools'],
		summary: 'Capable general assistant with tool use; English first.',
		f16: { vramMB: 2263.69 },
		f32: { vramMB: 2951.51 }
	},
	{
		key: 'phi3.5-mini',
		name: 'Phi-3.5 mini Instruct',
		family: 'Phi-3.5',
		parameters: '3.8B',
		parameterCount: 3.82e9,
		stem: 'Phi-3.5-mini-instruct',
		vocab: 32064,
		hidden: 3072,
		contextWindow: 4096,
		capabilities: ['tools'],
		summary: 'Strong reasoning and code for its size, with tool use.',
		f16: { vramMB: 3672.07 },
		f32: { vramMB: 5483.12 }
	},
	{
		key: 'phi3.5-vision',
		name: 'Phi-3.5 vision Instruct',
		family: 'Phi-3.5',
		parameters: '4.2B',
		parameterCount: 4.15e9,
		stem: 'Phi-3.5-vision-instruct',
		libSuffix: '_cs4k-webgpu.wasm',
		vocab: 32064,
		hidden: 3072,
		contextWindow: 4096,
		capabilities: ['vision'],
		summary: 'Reads images: describe a photo, a chart or a screenshot.',
		f16: { vramMB: 4521.54 },
		f32: { vramMB: 7050.65 }
	},
	{
		key: 'qwen2.5-7b',
		name: 'Qwen2.5 7B Instruct',
		family: 'Qwen2.5',
		parameters: '7B',
		parameterCount: 7.62e9,
		stem: 'Qwen2.5-7B-Instruct',
		libStem: 'Qwen2-7B-Instruct',
		vocab: 152064,
		hidden: 3584,
		contextWindow: 4096,
		capabilities: ['tools'],
		summary: 'The most capable chat and tool-use model here, for desktops with a strong GPU.',
		f16: { vramMB: 5106.67 },
		f32: { vramMB: 5900.09 }
	},
	{
		key: 'mistral-7b-v0.3',
		name: 'Mistral 7B Instruct v0.3',
		family: 'Mistral',
		parameters: '7B',
		parameterCount: 7.25e9,
		stem: 'Mistral-7B-Instruct-v0.3',
		vocab: 32768,
		hidden: 4096,
		contextWindow: 4096,
		capabilities: ['tools'],
		summary: 'Large general assistant with tool use, for desktops with a strong GPU.',
		f16: { vramMB: 4573.39 },
		f32: { vramMB: 5619.27 }
	},
	{
		key: 'deepseek-r1-distill-qwen-7b',
		name: 'DeepSeek R1 Distill Qwen 7B',
		family: 'DeepSeek-R1-Distill-Qwen',
		parameters: '7B',
		parameterCount: 7.62e9,
		stem: 'DeepSeek-R1-Distill-Qwen-7B',
		libStem: 'Qwen2-7B-Instruct',
		vocab: 152064,
		hidden: 3584,
		contextWindow: 4096,
		capabilities: ['reasoning'],
		summary: 'Works through hard maths and logic step by step; slower to answer.',
		f16: { vramMB: 5106.67 },
		f32: { vramMB: 5900.09 }
	}
];

export const CATALOG: readonly CatalogModel[] = SEEDS.map(modelOf);

export function findModel(
	key: string,
	catalog: readonly CatalogModel[] = CATALOG
): CatalogModel | undefined {
	return catalog.find((m) => m.key === key);
}

/** Looks a web-llm model id up across both precisions. */
export function findVariant(
	id: string,
	catalog: readonly CatalogModel[] = CATALOG
): { model: CatalogModel; variant: CatalogVariant } | undefined {
	for (const model of catalog) {
		for (const variant of Object.values(model.variants)) {
			if (variant.id === id) return { model, variant };
		}
	}
	return undefined;
}

/** web-llm appends `resolve/main/` to a model URL that lacks it, so we always build it in. */
export function modelUrlFor(repo: string, sources: ModelSources): string {
	return `${withSlash(sources.modelBaseUrl)}${repo}/resolve/main/`;
}

export function toSpec(
	model: CatalogModel,
	variant: CatalogVariant,
	sources: ModelSources
): WebModelSpec {
	return {
		id: variant.id,
		modelUrl: modelUrlFor(variant.repo, sources),
		modelLibUrl: `${withSlash(sources.modelLibBaseUrl)}${variant.lib}`,
		contextWindow: model.contextWindow,
		requiredFeatures: [...variant.requiredFeatures],
		vramMB: variant.vramMB
	};
}

/** Settings may hold a base URL typed without its trailing slash; tolerate it. */
function withSlash(url: string): string {
	return url.endsWith('/') ? url : `${url}/`;
}
