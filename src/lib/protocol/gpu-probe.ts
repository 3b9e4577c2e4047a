import type { GpuProbe } from '$lib/protocol/llm';

// The WebGPU adapter probe, shared by the page (the first-run recommendation, without starting the
// 6 MB engine worker) and the engine worker (what web-llm will see).

/** The slice of WebGPU the probe reads; older Chromium had requestAdapterInfo() instead of info. */
export interface GpuLike {
	requestAdapter(options?: {
		powerPreference?: 'high-performance' | 'low-power';
	}): Promise<GpuAdapterLike | null>;
}

export interface GpuAdapterLike {
	readonly features: { has(feature: string): boolean };
	readonly limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
	readonly info?: GpuAdapterInfoLike;
	readonly isFallbackAdapter?: boolean;
	requestAdapterInfo?: () => Promise<GpuAdapterInfoLike>;
	requestDevice(): Promise<{ lost: Promise<{ reason: string; message: string }> }>;
}

interface GpuAdapterInfoLike {
	vendor?: string;
	architecture?: string;
	description?: string;
	isFallbackAdapter?: boolean;
}

function messageOf(e: unknown): string {
	return e instanceof Error ? e.message : typeof e === 'string' ? e : 'no reason given';
}

const nonEmpty = (s: string | undefined): string | undefined => (s ? s : undefined);

/** What this browser's WebGPU adapter offers, as web-llm will see it (it asks for high-performance). */
export async function probeGpuWith(gpu: GpuLike | undefined): Promise<GpuProbe> {
	if (!gpu) {
		return { webgpu: false, shaderF16: false, reason: 'This browser does not offer WebGPU.' };
	}
	let adapter: GpuAdapterLike | null;
	try {
		adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
	} catch (e) {
		return { webgpu: false, shaderF16: false, reason: `WebGPU refused: ${messageOf(e)}` };
	}
	if (!adapter) {
		return {
			webgpu: false,
			shaderF16: false,
			reason: 'WebGPU is present but found no usable GPU (it may be disabled or blocklisted).'
		};
	}
	const info = adapter.info ?? (await adapter.requestAdapterInfo?.().catch(() => undefined));
	return {
		webgpu: true,
		vendor: nonEmpty(info?.vendor),
		architecture: nonEmpty(info?.architecture),
		description: nonEmpty(info?.description),
		fallbackAdapter: info?.isFallbackAdapter ?? adapter.isFallbackAdapter,
		shaderF16: adapter.features.has('shader-f16'),
		maxBufferSize: adapter.limits.maxBufferSize,
		maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize
	};
}
