import { describe, expect, it } from 'vitest';
import { isPhone, readDevice } from '$lib/onboarding/device';

const DESKTOP_UA =
	'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';
const ANDROID_UA =
	'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36';
const IPHONE_UA =
	'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1';
const ANDROID_TABLET_UA =
	'Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';

describe('isPhone', () => {
	it('believes the browser when it says mobile', () => {
		expect(isPhone({ userAgent: DESKTOP_UA, userAgentData: { mobile: true } })).toBe(true);
	});
	it('knows phones by their user agent', () => {
		expect(isPhone({ userAgent: ANDROID_UA })).toBe(true);
		expect(isPhone({ userAgent: IPHONE_UA })).toBe(true);
		expect(isPhone({ userAgent: DESKTOP_UA })).toBe(false);
		expect(isPhone({ userAgent: ANDROID_TABLET_UA })).toBe(false);
	});
	it('takes a small touch screen for a phone, a small mouse window not', () => {
		const small = { width: 390, height: 844 };
		expect(isPhone({ userAgent: DESKTOP_UA, maxTouchPoints: 5 }, small)).toBe(true);
		expect(isPhone({ userAgent: DESKTOP_UA, maxTouchPoints: 0 }, small)).toBe(false);
		expect(
			isPhone({ userAgent: DESKTOP_UA, maxTouchPoints: 5 }, { width: 1280, height: 800 })
		).toBe(false);
	});
});

describe('readDevice', () => {
	it('reads WebGPU and the connection speed where given', () => {
		expect(readDevice({ userAgent: DESKTOP_UA, gpu: {}, connection: { downlink: 10 } })).toEqual({
			phone: false,
			webgpu: true,
			downlinkMbps: 10
		});
		expect(readDevice({ userAgent: ANDROID_UA, connection: { downlink: 0 } })).toEqual({
			phone: true,
			webgpu: false,
			downlinkMbps: undefined
		});
	});
});
