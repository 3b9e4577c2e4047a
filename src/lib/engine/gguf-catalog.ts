import type { ModelCapability } from '$lib/engine/catalog';

// The GGUF models Hearth offers for llama.cpp in the browser, as typed data: each one's default
// quantisation on Hugging Face, its published size, the context it was trained with and what it
// can do. Sizes are for display and for judging fit; a download is checked against the file's own
// GGUF header, so a repository that re-quantises cannot make Hearth store a broken copy.
// Where each size comes from is in `sizeSource` (Hugging Face is not reachable from the machines
// this was written on; see the README's Engines section).

export interface GgufFile {
	/** Path inside the repository, e.g. "Qwen2.5-0.5B-Instruct-Q4_K_M.gguf". */
	file: string;
	/** Published size in bytes. */
	bytes: number;
}

export interface GgufCatalogModel {
	/** Stable across releases; Hearth's model id is `gguf:<key>`. */
	key: string;
	name: string;
	family: string;
	parameters: string;
	/** Hugging Face repository, e.g. "bartowski/Qwen2.5-0.5B-Instruct-GGUF". */
	repo: string;
	/** The model file, or its first split (`-00001-of-0000N.gguf`; the others follow by name). */
	model: GgufFile;
	/** Further splits, in order, when the model is split. */
	splits?: GgufFile[];
	/** The vision projector, for models that read images. */
	mmproj?: GgufFile;
	quantization: string;
	/** The context the model was trained with (its GGUF's `<arch>.context_length`). */
	contextWindow: number;
	capabilities: ModelCapability[];
	summary: string;
	/** Where the byte size was read, and whether it is exact (some cards give only GB). */
	sizeSource: { exact: boolean; from: string };
}

/** Hearth's model ids for GGUF models start with this; the rest says which model it is. */
export const GGUF_PREFIX = 'gguf:';

const PUBLIC_CATALOG = 'a public catalog found by code search';

// Ordered from smallest to largest download; among equals the one to recommend comes first.
export const GGUF_CATALOG: readonly GgufCatalogModel[] = [
	{
		key: 'smollm2-360m',
		name: 'SmolLM2 360M Instruct',
		family: 'SmolLM2',
		parameters: '360M',
		repo: 'HuggingFaceTB/SmolLM2-360M-Instruct-GGUF',
		model: { file: 'smollm2-360m-instruct-q8_0.gguf', bytes: 386_400_000 },
		quantization: 'Q8_0',
		contextWindow: 8192,
		capabilities: [],
		summary: 'Tiny and fast: short answers and rewording on weak devices, little reasoning.',
		sizeSource: { exact: false, from: 'model card listing (368.5 MiB)' }
	},
	{
		key: 'qwen2.5-0.5b',
		name: 'Qwen2.5 0.5B Instruct',
		family: 'Qwen2.5',
		parameters: '0.5B',
		repo: 'bartowski/Qwen2.5-0.5B-Instruct-GGUF',
		model: { file: 'Qwen2.5-0.5B-Instruct-Q4_K_M.gguf', bytes: 397_808_192 },
		quantization: 'Q4_K_M',
		contextWindow: 32768,
		capabilities: ['tools'],
		summary: 'Very small multilingual chat model for quick, simple questions.',
		sizeSource: { exact: true, from: PUBLIC_CATALOG }
	},
	{
		key: 'smolvlm2-500m',
		name: 'SmolVLM2 500M Instruct',
		family: 'SmolVLM2',
		parameters: '500M',
		repo: 'ggml-org/SmolVLM2-500M-Video-Instruct-GGUF',
		model: { file: 'SmolVLM2-500M-Video-Instruct-Q8_0.gguf', bytes: 437_000_000 },
		mmproj: { file: 'mmproj-SmolVLM2-500M-Video-Instruct-Q8_0.gguf', bytes: 109_000_000 },
		quantization: 'Q8_0',
		contextWindow: 8192,
		capabilities: ['vision'],
		summary: 'Reads images on any device: describes a photo or a screenshot, briefly.',
		sizeSource: { exact: false, from: 'model card listing (≈437 MB + ≈109 MB projector)' }
	},
	{
		key: 'qwen3-0.6b',
		name: 'Qwen3 0.6B',
		family: 'Qwen3',
		parameters: '0.6B',
		repo: 'Qwen/Qwen3-0.6B-GGUF',
		model: { file: 'Qwen3-0.6B-Q8_0.gguf', bytes: 639_446_688 },
		quantization: 'Q8_0',
		contextWindow: 32768,
		capabilities: ['tools', 'reasoning'],
		summary: 'Smallest model that thinks before answering; calls tools.',
		sizeSource: { exact: true, from: PUBLIC_CATALOG }
	},
	{
		key: 'gemma3-1b',
		name: 'Gemma 3 1B',
		family: 'Gemma 3',
		parameters: '1B',
		repo: 'ggml-org/gemma-3-1b-it-GGUF',
		model: { file: 'gemma-3-1b-it-Q4_K_M.gguf', bytes: 806_000_000 },
		quantization: 'Q4_K_M',
		contextWindow: 32768,
		capabilities: [],
		summary: 'Light, friendly writing help from Google; text only at this size.',
		sizeSource: { exact: false, from: 'model card listing (806 MB)' }
	},
	{
		key: 'llama3.2-1b',
		name: 'Llama 3.2 1B Instruct',
		family: 'Llama 3.2',
		parameters: '1B',
		repo: 'bartowski/Llama-3.2-1B-Instruct-GGUF',
		model: { file: 'Llama-3.2-1B-Instruct-Q4_K_M.gguf', bytes: 807_694_464 },
		quantization: 'Q4_K_M',
		contextWindow: 131072,
		capabilities: ['tools'],
		summary: 'Small general chat model: summaries and everyday questions on modest hardware.',
		sizeSource: { exact: true, from: PUBLIC_CATALOG }
	},
	{
		key: 'qwen2.5-1.5b',
		name: 'Qwen2.5 1.5B Instruct',
		family: 'Qwen2.5',
		parameters: '1.5B',
		repo: 'bartowski/Qwen2.5-1.5B-Instruct-GGUF',
		model: { file: 'Qwen2.5-1.5B-Instruct-Q4_K_M.gguf', bytes: 986_048_768 },
		quantization: 'Q4_K_M',
		contextWindow: 32768,
		capabilities: ['tools'],
		summary: 'Good all-rounder for its size: chat, writing help and simple tool use.',
		sizeSource: { exact: true, from: PUBLIC_CATALOG }
	},
	{
		key: 'smollm2-1.7b',
		name: 'SmolLM2 1.7B Instruct',
		family: 'SmolLM2',
		parameters: '1.7B',
		repo: 'bartowski/SmolLM2-1.7B-Instruct-GGUF',
		model: { file: 'SmolLM2-1.7B-Instruct-Q4_K_M.gguf', bytes: 1_055_609_824 },
		quantization: 'Q4_K_M',
		contextWindow: 8192,
		capabilities: [],
		summary: 'Compact English assistant: rewriting, summaries and short answers.',
		sizeSource: { exact: true, from: PUBLIC_CATALOG }
	},
	{
		key: 'deepseek-r1-distill-qwen-1.5b',
		name: 'DeepSeek R1 Distill Qwen 1.5B',
		family: 'DeepSeek-R1-Distill-Qwen',
		parameters: '1.5B',
		repo: 'bartowski/DeepSeek-R1-Distill-Qwen-1.5B-GGUF',
		model: { file: 'DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf', bytes: 1_117_320_800 },
		quantization: 'Q4_K_M',
		contextWindow: 131072,
		capabilities: ['reasoning'],
		summary: 'Thinks step by step before answering: small maths and logic problems.',
		sizeSource: { exact: true, from: PUBLIC_CATALOG }
	},
	{
		key: 'qwen3-1.7b',
		name: 'Qwen3 1.7B',
		family: 'Qwen3',
		parameters: '1.7B',
		repo: 'ggml-org/Qwen3-1.7B-GGUF',
		model: { file: 'Qwen3-1.7B-Q4_K_M.gguf', bytes: 1_282_439_264 },
		quantization: 'Q4_K_M',
		contextWindow: 32768,
		capabilities: ['tools', 'reasoning'],
		summary: 'Reasons and calls tools well for its size; a good default on laptops.',
		sizeSource: { exact: true, from: 'a public evaluation record quoting HF LFS metadata' }
	},
	{
		key: 'llama3.2-3b',
		name: 'Llama 3.2 3B Instruct',
		family: 'Llama 3.2',
		parameters: '3B',
		repo: 'bartowski/Llama-3.2-3B-Instruct-GGUF',
		model: { file: 'Llama-3.2-3B-Instruct-Q4_K_M.gguf', bytes: 2_019_377_696 },
		quantization: 'Q4_K_M',
		contextWindow: 131072,
		capabilities: ['tools'],
		summary: 'Capable general assistant with tool use; English first.',
		sizeSource: { exact: true, from: PUBLIC_CATALOG }
	},
	{
		key: 'qwen2.5-3b',
		name: 'Qwen2.5 3B Instruct',
		family: 'Qwen2.5',
		parameters: '3B',
		repo: 'Qwen/Qwen2.5-3B-Instruct-GGUF',
		model: { file: 'qwen2.5-3b-instruct-q4_k_m.gguf', bytes: 2_104_932_768 },
		quantization: 'Q4_K_M',
		contextWindow: 32768,
		capabilities: ['tools'],
		summary: 'Solid chat and tool use on laptops with a decent GPU or many cores.',
		sizeSource: { exact: true, from: PUBLIC_CATALOG }
	},
	{
		key: 'phi4-mini',
		name: 'Phi-4 mini Instruct',
		family: 'Phi-4',
		parameters: '3.8B',
		repo: 'unsloth/Phi-4-mini-instruct-GGUF',
		model: { file: 'Phi-4-mini-instruct-Q4_K_M.gguf', bytes: 2_491_874_272 },
		quantization: 'Q4_K_M',
		contextWindow: 131072,
		capabilities: ['tools'],
		summary: 'Strong reasoning and code for its size, with tool use.',
		sizeSource: { exact: true, from: 'two public catalogs found by code search' }
	},
	{
		key: 'qwen3-4b',
		name: 'Qwen3 4B',
		family: 'Qwen3',
		parameters: '4B',
		repo: 'Qwen/Qwen3-4B-GGUF',
		model: { file: 'Qwen3-4B-Q4_K_M.gguf', bytes: 2_497_280_256 },
		quantization: 'Q4_K_M',
		contextWindow: 32768,
		capabilities: ['tools', 'reasoning'],
		summary: 'The most capable model here: reasoning, tools and writing, for strong devices.',
		sizeSource: { exact: true, from: 'a public evaluation record quoting HF LFS metadata' }
	}
];

export function ggufCatalogEntry(
	key: string,
	catalog: readonly GgufCatalogModel[] = GGUF_CATALOG
): GgufCatalogModel | undefined {
	return catalog.find((m) => m.key === key);
}

/** Every file of a catalog model, in load order: model splits, then the projector. */
export function catalogFiles(model: GgufCatalogModel): GgufFile[] {
	return [model.model, ...(model.splits ?? []), ...(model.mmproj ? [model.mmproj] : [])];
}

/** Bytes to download for a catalog model. */
export function catalogBytes(model: GgufCatalogModel): number {
	return catalogFiles(model).reduce((sum, f) => sum + f.bytes, 0);
}
