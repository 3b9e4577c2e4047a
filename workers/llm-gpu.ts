import type { GpuLike } from '$lib/protocol/gpu-probe';

/**
 * Watches for GPU loss through a sentinel device of our own. web-llm's device is private, so
 * this sees what takes every device down (a driver reset, a crashed GPU process), not a loss
 * of web-llm's device alone (its out-of-memory): that one surfaces as DeviceLostError during
 * a load, or as the model vanishing before the next chat (see the chat handler).
 * Resolves once the sentinel exists; `onLost` fires at most once.
 */
export async function watchDeviceLoss(
	gpu: GpuLike | undefined,
	onLost: (message: string) => void
): Promise<boolean> {
	const adapter = await gpu?.requestAdapter({ powerPreference: 'high-performance' });
	if (!adapter) return false;
	const device = await adapter.requestDevice();
	void device.lost.then((info) => {
		// We never destroy the sentinel, so any loss is real; 'destroyed' would be our own doing.
		if (info.reason !== 'destroyed') onLost(info.message || 'The GPU device was lost.');
	});
	return true;
}
