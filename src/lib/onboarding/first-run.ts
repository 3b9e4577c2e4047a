// What a newcomer is offered first, by what this device can do. Pure over plain data, so every
// rule is tested without a browser: the page reads the device (device.ts) and the engines'
// catalogs supply the candidates.

/** An engine that runs models inside the page. 'gguf' (llama.cpp in WebAssembly) joins 'webllm'. */
export type InBrowserEngine = 'webllm' | 'gguf';

/** One model an in-browser engine's catalog offers this device, best first within its engine. */
export interface InBrowserCandidate {
	engine: InBrowserEngine;
	/** The id the engine's download call takes (a catalog variant). */
	variantId: string;
	/** e.g. "Qwen2.5 1.5B Instruct". */
	name: string;
	downloadBytes: number;
	/** What it needs: WebGPU (MLC) or only WebAssembly (llama.cpp). */
	needs: 'webgpu' | 'wasm';
}

export interface DeviceTraits {
	/** A phone or small tablet: no terminal, no Ollama on it. */
	phone: boolean;
	webgpu: boolean;
	/** navigator.connection.downlink (Mbit/s) where the browser tells. */
	downlinkMbps?: number;
}

/** The one action the notice leads with. */
export type PrimaryAction =
	| { kind: 'download'; candidate: InBrowserCandidate; etaSeconds: number; etaKnown: boolean }
	/**
	 * The device has not been read yet (GPU, memory): a download button may be coming, for WebGPU
	 * or for the CPU (llama.cpp needs only WebAssembly), so nothing is guessed meanwhile.
	 */
	| { kind: 'assessing' }
	| { kind: 'ollama' }
	| { kind: 'server' };

export type SecondaryAction = 'ollama' | 'server' | 'models';

export interface FirstRunPlan {
	primary: PrimaryAction;
	/** Folded under "Other ways", in this order. */
	secondary: SecondaryAction[];
}

/** Used for the time estimate where the browser does not report the connection's speed. */
export const TYPICAL_DOWNLINK_MBPS = 20;

/** Seconds to download `bytes` at `mbps` megabits per second. */
export function downloadSeconds(bytes: number, mbps: number): number {
	return Math.max(1, Math.round((bytes * 8) / (mbps * 1_000_000)));
}

/** "about 40 s", "about 3 min", "about 1 h 10 min". */
export function formatEta(seconds: number): string {
	if (seconds < 60) return `about ${Math.max(5, Math.round(seconds / 5) * 5)} s`;
	const minutes = Math.round(seconds / 60);
	if (minutes < 60) return `about ${minutes} min`;
	const hours = Math.floor(minutes / 60);
	const rest = minutes % 60;
	return rest ? `about ${hours} h ${rest} min` : `about ${hours} h`;
}

/**
 * Chooses the primary action: the first candidate this device can run (the catalogs order them,
 * their engines in the order given), else a server. A phone is never offered Ollama: it cannot
 * run it, and its setup is terminal commands.
 * @param assessed false while the device is still being read (GPU probe, memory): both runtimes'
 *   candidates need it
 */
export function planFirstRun(
	device: DeviceTraits,
	candidates: readonly InBrowserCandidate[],
	assessed: boolean
): FirstRunPlan {
	const runnable = candidates.find((c) => c.needs === 'wasm' || device.webgpu);
	const servers: SecondaryAction[] = device.phone ? ['server'] : ['ollama', 'server'];
	if (runnable) {
		const mbps = device.downlinkMbps && device.downlinkMbps > 0 ? device.downlinkMbps : undefined;
		return {
			primary: {
				kind: 'download',
				candidate: runnable,
				etaSeconds: downloadSeconds(runnable.downloadBytes, mbps ?? TYPICAL_DOWNLINK_MBPS),
				etaKnown: mbps !== undefined
			},
			secondary: [...servers, 'models']
		};
	}
	if (!assessed) return { primary: { kind: 'assessing' }, secondary: servers };
	const [first, ...rest] = servers;
	return {
		primary: { kind: first === 'ollama' ? 'ollama' : 'server' },
		secondary: device.webgpu ? [...rest, 'models'] : rest
	};
}
