import type { DeviceEnvironment } from '$lib/engine/capability';
import type { GgufEntry } from '$lib/engine/gguf-models';
import { isSoftwareAdapter } from '$lib/protocol/llm';
import { formatBytes } from '$lib/utils/format-bytes';
import type { WasmFeatures } from '$lib/utils/wasm-features';
import { wasmBlocker } from '$lib/utils/wasm-features';

// Whether a GGUF model can run on this device, where, and which one to suggest. Pure over the
// device environment (the GPU probe plus memory and storage) and the page's WebAssembly features,
// so every rule is tested with plain data. The same shares as the MLC assessment (capability.ts).

export type GgufPlace = { device: 'webgpu' | 'cpu'; threads: number };

export type GgufFit =
	{ ok: true; place: GgufPlace; note?: string } | { ok: false; place: GgufPlace; reason: string };

export interface GgufFitInput {
	env: DeviceEnvironment | null;
	features: WasmFeatures;
	threads: number;
	device: 'auto' | 'webgpu' | 'cpu';
	/** Stored already: free storage no longer matters. */
	stored: boolean;
}

const MB = 1024 * 1024;
const GiB = 1024 * MB;
const HARD_SHARE = 0.6;
const COMFORT_SHARE = 0.4;
const MEMORY_CAP_GB = 8;
/** llama.cpp's runtime, compute buffers and a 4k KV cache on top of the weights, roughly. */
const OVERHEAD_BYTES = 300 * MB;
const KV_SHARE = 0.15;
/** Memory (weights and all) of a model a CPU runs at a readable pace: a phone's cores are slower. */
const CPU_MEMORY_LIMIT = 1.5 * GiB;
const PHONE_CPU_MEMORY_LIMIT = 0.8 * GiB;
/** The compat build reads each file into one 32-bit ArrayBuffer. */
const COMPAT_FILE_LIMIT = 2 * GiB;
const MEMORY64_LIMIT = 16 * GiB;

/** Memory a model needs to run: its weights, a KV cache and llama.cpp's buffers. */
export function ggufMemoryBytes(bytes: number): number {
	return Math.round(bytes * (1 + KV_SHARE)) + OVERHEAD_BYTES;
}

/** Where this device runs GGUF models, as Settings and the GPU allow. */
export function ggufPlace(input: Pick<GgufFitInput, 'env' | 'threads' | 'device'>): GgufPlace {
	const gpu = input.env?.gpu;
	const webgpu =
		gpu?.webgpu === true &&
		(input.device === 'webgpu' || (input.device === 'auto' && !isSoftwareAdapter(gpu)));
	return { device: webgpu ? 'webgpu' : 'cpu', threads: input.threads };
}

/** "WebGPU" or "the CPU (2 threads)": where a model runs, in a row's words. */
export function placeText(place: GgufPlace): string {
	if (place.device === 'webgpu') return 'Runs on the GPU (WebGPU, all layers)';
	return `Runs on the CPU (${place.threads} ${place.threads === 1 ? 'thread' : 'threads'})`;
}

export function ggufFit(entry: GgufEntry, input: GgufFitInput): GgufFit {
	const place = ggufPlace(input);
	const blocker = wasmBlocker(input.features);
	if (blocker)
		return { ok: false, place, reason: `${blocker} Use a recent Chrome, Edge or Firefox.` };
	const compat = !input.features.jspi || !input.features.memory64;
	const largest = Math.max(entry.bytes, 0);
	if (compat && largest > COMPAT_FILE_LIMIT) {
		return {
			ok: false,
			place,
			reason: `Its file (${formatBytes(largest)}) is larger than this browser’s WebAssembly can read (2 GB without JSPI and Memory64). Use a recent Chrome or Edge.`
		};
	}
	const needs = ggufMemoryBytes(entry.bytes);
	if (needs > MEMORY64_LIMIT) {
		return {
			ok: false,
			place,
			reason: `Needs about ${formatBytes(needs)} of memory, more than a browser gives WebAssembly.`
		};
	}
	const memoryGB = input.env?.deviceMemoryGB;
	if (memoryGB !== undefined && memoryGB < MEMORY_CAP_GB && needs > memoryGB * GiB * HARD_SHARE) {
		return {
			ok: false,
			place,
			reason: `Needs about ${formatBytes(needs)} of memory; this device has about ${memoryGB} GB in all, too little to run it beside the browser.`
		};
	}
	const storage = input.env?.storage;
	const free = storage ? Math.max(0, storage.quotaBytes - storage.usageBytes) : undefined;
	if (!input.stored && !entry.local && free !== undefined && free < entry.bytes) {
		return {
			ok: false,
			place,
			reason: `Needs about ${formatBytes(entry.bytes)} of storage; only ${formatBytes(free)} is free. Delete a downloaded model or free space on the device.`
		};
	}
	const notes: string[] = [];
	if (place.device === 'cpu' && needs > 2 * GiB) {
		notes.push('Large for the CPU: expect a few words per second.');
	}
	if (compat) notes.push('This browser runs llama.cpp’s slower compatibility build.');
	return notes.length ? { ok: true, place, note: notes.join(' ') } : { ok: true, place };
}

/**
 * The GGUF model to suggest when no MLC model can run here (no WebGPU): the largest general chat
 * model that fits comfortably in memory, or the smallest when none does. The catalog is ordered
 * from smallest to largest. On a phone's CPU the comfortable size is smaller still: its cores
 * are slower and it shares its memory with everything else the phone keeps open.
 */
export function recommendGguf(
	entries: readonly GgufEntry[],
	fits: ReadonlyMap<string, GgufFit>,
	env: DeviceEnvironment | null,
	place: GgufPlace,
	options: { phone?: boolean } = {}
): GgufEntry | null {
	const general = entries.filter(
		(e) =>
			e.catalog !== undefined &&
			fits.get(e.id)?.ok === true &&
			!e.capabilities.includes('vision') &&
			!e.capabilities.includes('reasoning')
	);
	if (general.length === 0) return null;
	const memoryGB = Math.min(env?.deviceMemoryGB ?? 4, MEMORY_CAP_GB);
	// The CPU is slow with big models: stay at or under ~1 GB of weights there (~0.5 on a phone).
	const cpuMemory = options.phone ? PHONE_CPU_MEMORY_LIMIT : CPU_MEMORY_LIMIT;
	const cpuLimit = place.device === 'cpu' ? cpuMemory : Infinity;
	const comfort = Math.min(memoryGB * GiB * COMFORT_SHARE, cpuLimit);
	const comfortable = general.filter((e) => ggufMemoryBytes(e.bytes) <= comfort);
	// Largest first; a model that calls tools wins over one that cannot (Hearth's agents use them).
	const withTools = comfortable.filter((e) => e.capabilities.includes('tools'));
	return withTools.at(-1) ?? comfortable.at(-1) ?? general[0] ?? null;
}
