import { CATALOG } from '$lib/engine/catalog';
import type { CatalogModel, CatalogVariant } from '$lib/engine/catalog';
import { isSoftwareAdapter } from '$lib/protocol/llm';
import type { GpuProbe } from '$lib/protocol/llm';
import { formatBytes } from '$lib/utils/format-bytes';

// Which catalog models this device can run in the browser, and which one to suggest. Pure over a
// DeviceEnvironment (the worker's GPU probe plus what the page can read), so every rule is tested
// with plain data.

export interface DeviceEnvironment {
	gpu: GpuProbe;
	/** navigator.deviceMemory in GB: browsers cap it at 8, so 8 means "8 GB or more". */
	deviceMemoryGB?: number;
	storage?: { quotaBytes: number; usageBytes: number };
}

export type Fit =
	| { ok: true; variant: CatalogVariant; note?: string }
	| { ok: false; variant: CatalogVariant; reason: string };

export interface ModelOffer {
	model: CatalogModel;
	fit: Fit;
}

export interface DeviceAssessment {
	env: DeviceEnvironment;
	/** One sentence describing the device, e.g. "WebGPU on … · 32-bit floats only · …". */
	summary: string;
	/** One per catalog model, in catalog order; `fit.ok` false says why it is not offered. */
	offers: ModelOffer[];
	recommended: ModelOffer | null;
}

export interface AssessOptions {
	/** Variant ids already downloaded: free storage no longer matters for them. */
	storedIds?: ReadonlySet<string>;
}

const MB = 1024 * 1024;
/** The cap browsers put on navigator.deviceMemory. */
const MEMORY_CAP_GB = 8;
/** Share of device memory a model may use at all: the OS, the browser and the page need the rest. */
const HARD_SHARE = 0.6;
/** Share a recommended model may use, so it loads reliably with other tabs open. */
const COMFORT_SHARE = 0.4;
/** When the browser does not say (Firefox, Safari), recommend as if the device had 4 GB. */
const UNKNOWN_MEMORY_GB = 4;
/** web-llm cannot start its runtime below these adapter limits (tvmjs detectGPUDevice). */
const MIN_BUFFER_BYTES = 256 * MB;
const MIN_BINDING_BYTES = 128 * MB;

// Defined beside GpuProbe so the GGUF worker can decide its device with the same rule.
export { isSoftwareAdapter };

function capitalise(word: string): string {
	return word.charAt(0).toUpperCase() + word.slice(1);
}

/** "Google SwiftShader", "NVIDIA GeForce RTX 3060", or "an unnamed GPU". */
export function gpuName(gpu: GpuProbe): string {
	if (gpu.description?.trim()) return gpu.description.trim();
	const parts = [gpu.vendor, gpu.architecture].filter((p): p is string => !!p?.trim());
	return parts.length ? parts.map(capitalise).join(' ') : 'an unnamed GPU';
}

function gb(mb: number): string {
	return formatBytes(mb * MB);
}

function freeBytes(env: DeviceEnvironment): number | undefined {
	if (!env.storage) return undefined;
	return Math.max(0, env.storage.quotaBytes - env.storage.usageBytes);
}

function memoryText(memoryGB: number): string {
	return memoryGB >= MEMORY_CAP_GB
		? `at least ${MEMORY_CAP_GB} GB memory`
		: `about ${memoryGB} GB memory`;
}

function describe(env: DeviceEnvironment): string {
	const { gpu } = env;
	if (!gpu.webgpu) {
		return `No WebGPU in this browser${gpu.reason ? ` (${gpu.reason})` : ''}`;
	}
	const parts = [
		`WebGPU on ${gpuName(gpu)}${isSoftwareAdapter(gpu) ? ' (software)' : ''}`,
		gpu.shaderF16 ? '16-bit floats supported' : '32-bit floats only'
	];
	if (env.deviceMemoryGB !== undefined) parts.push(memoryText(env.deviceMemoryGB));
	const free = freeBytes(env);
	if (free !== undefined) parts.push(`${formatBytes(free)} free`);
	return parts.join(' · ');
}

/** MB a model may use at most (undefined: no way to tell), and MB for a comfortable fit. */
function memoryBudget(env: DeviceEnvironment): {
	hardMB?: number;
	comfortMB: number;
	noteMB: number;
} {
	const memoryGB = env.deviceMemoryGB;
	if (memoryGB === undefined) {
		const assumed = UNKNOWN_MEMORY_GB * 1024;
		return { comfortMB: assumed * COMFORT_SHARE, noteMB: assumed * HARD_SHARE };
	}
	const mb = memoryGB * 1024;
	// A reported 8 may be 64: never rule a model out on it, only warn.
	if (memoryGB >= MEMORY_CAP_GB) return { comfortMB: mb * COMFORT_SHARE, noteMB: mb * HARD_SHARE };
	return { hardMB: mb * HARD_SHARE, comfortMB: mb * COMFORT_SHARE, noteMB: mb * HARD_SHARE };
}

/** Why no model can run at all on this GPU, or undefined when some can. */
function gpuBlocker(gpu: GpuProbe): string | undefined {
	if (!gpu.webgpu) {
		return (
			`This browser has no WebGPU${gpu.reason ? `: ${gpu.reason}` : ''}. ` +
			'Use Chrome or Edge 113 or newer (with hardware acceleration on), or connect Ollama.'
		);
	}
	if (gpu.maxBufferSize !== undefined && gpu.maxBufferSize < MIN_BUFFER_BYTES) {
		return (
			`This GPU allows buffers of only ${formatBytes(gpu.maxBufferSize)}; in-browser models ` +
			`need ${formatBytes(MIN_BUFFER_BYTES)}. Try another browser, or connect Ollama.`
		);
	}
	if (
		gpu.maxStorageBufferBindingSize !== undefined &&
		gpu.maxStorageBufferBindingSize < MIN_BINDING_BYTES
	) {
		return (
			`This GPU binds buffers of only ${formatBytes(gpu.maxStorageBufferBindingSize)}; ` +
			`in-browser models need ${formatBytes(MIN_BINDING_BYTES)}. Try another browser, or connect Ollama.`
		);
	}
	return undefined;
}

function fitOf(
	model: CatalogModel,
	env: DeviceEnvironment,
	blocker: string | undefined,
	options: AssessOptions
): Fit {
	const { gpu } = env;
	const variant = gpu.shaderF16 ? model.variants.f16 : model.variants.f32;
	if (blocker) return { ok: false, variant, reason: blocker };

	const budget = memoryBudget(env);
	if (budget.hardMB !== undefined && variant.vramMB > budget.hardMB) {
		return {
			ok: false,
			variant,
			reason:
				`Needs about ${gb(variant.vramMB)} of memory; this device has about ` +
				`${env.deviceMemoryGB} GB in all, too little to run it beside the browser.`
		};
	}
	const bufferLimit = Math.min(
		gpu.maxStorageBufferBindingSize ?? Infinity,
		gpu.maxBufferSize ?? Infinity
	);
	if (variant.largestTensorBytes !== undefined && variant.largestTensorBytes > bufferLimit) {
		return {
			ok: false,
			variant,
			reason:
				`Its largest block of weights (${formatBytes(variant.largestTensorBytes)}) is bigger ` +
				`than this GPU accepts in one buffer (${formatBytes(bufferLimit)}).`
		};
	}
	const free = freeBytes(env);
	if (free !== undefined && !options.storedIds?.has(variant.id) && free < variant.downloadBytes) {
		return {
			ok: false,
			variant,
			reason:
				`Needs about ${formatBytes(variant.downloadBytes)} of storage; only ` +
				`${formatBytes(free)} is free. Delete a downloaded model or free space on the device.`
		};
	}

	const notes: string[] = [];
	if (!gpu.shaderF16) notes.push('No 16-bit float support on this GPU, using the 32-bit build.');
	if (isSoftwareAdapter(gpu)) {
		notes.push('Runs on a software GPU here: expect a few words per second.');
	}
	if (budget.hardMB === undefined && variant.vramMB > budget.noteMB) {
		notes.push(
			`Needs about ${gb(variant.vramMB)} of graphics memory; it may not fit on this device.`
		);
	}
	return notes.length ? { ok: true, variant, note: notes.join(' ') } : { ok: true, variant };
}

/** "1.5B" → 1.5e9, "360M" → 3.6e8: the rough size ranking of how capable a model is. */
export function parameterCount(parameters: string): number {
	const match = /^([\d.]+)\s*([MB])$/i.exec(parameters.trim());
	if (!match) return 0;
	return Number(match[1]) * (match[2]?.toUpperCase() === 'B' ? 1e9 : 1e6);
}

/** A general chat model: what most people want by default (vision and reasoning are special). */
function isGeneral(model: CatalogModel): boolean {
	return !model.capabilities.includes('vision') && !model.capabilities.includes('reasoning');
}

function recommend(offers: ModelOffer[], env: DeviceEnvironment): ModelOffer | null {
	const fitting = offers.filter((o) => o.fit.ok);
	if (fitting.length === 0) return null;
	const smallest = (list: ModelOffer[]) =>
		list.reduce((a, b) => (b.fit.variant.downloadBytes < a.fit.variant.downloadBytes ? b : a));
	const general = fitting.filter((o) => isGeneral(o.model));
	// A software GPU makes every model slow: the smallest is the only one worth waiting for.
	if (isSoftwareAdapter(env.gpu)) return smallest(general.length ? general : fitting);

	const { comfortMB } = memoryBudget(env);
	const comfortable = general.filter((o) => o.fit.variant.vramMB <= comfortMB);
	if (comfortable.length === 0) return smallest(general.length ? general : fitting);
	// Largest first; ties keep catalog order (the catalog lists the better of equals first).
	return comfortable.reduce((best, o) =>
		parameterCount(o.model.parameters) > parameterCount(best.model.parameters) ? o : best
	);
}

export function assessDevice(
	env: DeviceEnvironment,
	catalog: readonly CatalogModel[] = CATALOG,
	options: AssessOptions = {}
): DeviceAssessment {
	const blocker = gpuBlocker(env.gpu);
	const offers = catalog.map((model) => ({ model, fit: fitOf(model, env, blocker, options) }));
	return { env, summary: describe(env), offers, recommended: recommend(offers, env) };
}

type NavigatorLike = Pick<Navigator, 'storage'> & { deviceMemory?: number };

/** Adds what the page can read (memory class, storage estimate) to the worker's GPU probe. */
export async function readEnvironment(
	gpu: GpuProbe,
	nav: NavigatorLike | undefined = globalThis.navigator as NavigatorLike | undefined
): Promise<DeviceEnvironment> {
	const env: DeviceEnvironment = { gpu };
	if (typeof nav?.deviceMemory === 'number' && nav.deviceMemory > 0) {
		env.deviceMemoryGB = nav.deviceMemory;
	}
	try {
		const estimate = await nav?.storage?.estimate?.();
		if (estimate?.quota !== undefined) {
			env.storage = { quotaBytes: estimate.quota, usageBytes: estimate.usage ?? 0 };
		}
	} catch {
		// Some private modes refuse the estimate; storage is then simply not checked.
	}
	return env;
}
