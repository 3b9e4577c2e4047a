import type { DeviceTraits } from '$lib/onboarding/first-run';

/** The parts of `navigator` the device read uses (tests pass a plain object). */
export interface NavigatorTraits {
	userAgent: string;
	userAgentData?: { mobile?: boolean };
	maxTouchPoints?: number;
	gpu?: unknown;
	connection?: { downlink?: number };
}

const PHONE_UA = /Android.+Mobile|iPhone|iPod|Windows Phone|Mobile Safari|Opera Mini|IEMobile/i;

/**
 * A phone, by the browser's own word where it gives one (User-Agent Client Hints), else by its
 * user agent, else a touch screen that is narrow on both sides.
 */
export function isPhone(
	nav: NavigatorTraits,
	screenSize?: { width: number; height: number }
): boolean {
	if (typeof nav.userAgentData?.mobile === 'boolean' && nav.userAgentData.mobile) return true;
	if (PHONE_UA.test(nav.userAgent)) return true;
	if (!screenSize || !nav.maxTouchPoints) return false;
	return Math.min(screenSize.width, screenSize.height) < 600;
}

export function readDevice(
	nav: NavigatorTraits,
	screenSize?: { width: number; height: number }
): DeviceTraits {
	const downlink = nav.connection?.downlink;
	return {
		phone: isPhone(nav, screenSize),
		webgpu: nav.gpu !== undefined && nav.gpu !== null,
		downlinkMbps: typeof downlink === 'number' && downlink > 0 ? downlink : undefined
	};
}
