import { describe, expect, it } from 'vitest';
import { captureError, captureName, captureSupport } from '$lib/vision/capture';

const dom = (name: string) => new DOMException('browser words', name);

describe('captureError', () => {
	it('gives each getUserMedia failure a code and plain words', () => {
		const denied = captureError(dom('NotAllowedError'), 'camera');
		expect(denied.code).toBe('capture_denied');
		expect(denied.message).toContain('camera');
		expect(captureError(dom('SecurityError'), 'camera').code).toBe('capture_denied');
		const missing = captureError(dom('NotFoundError'), 'camera');
		expect(missing.code).toBe('not_supported');
		expect(missing.message).toBe('No camera was found on this device.');
		expect(captureError(dom('NotReadableError'), 'camera').message).toContain('busy');
		expect(captureError(dom('AbortError'), 'camera').code).toBe('aborted');
	});

	it('treats a cancelled screen picker as a refusal that says how to retry', () => {
		const e = captureError(dom('NotAllowedError'), 'screen');
		expect(e.code).toBe('capture_denied');
		expect(e.message).toContain('pick a screen, window or tab');
		expect(captureError(new TypeError('no video'), 'screen').code).toBe('not_supported');
		expect(captureError('weird', 'screen').code).toBe('capture_denied');
	});
});

describe('captureSupport', () => {
	it('offers only what the browser has', () => {
		const noop = () => Promise.reject(new Error('unused'));
		expect(captureSupport(undefined)).toEqual({ camera: false, screen: false });
		expect(captureSupport({ getUserMedia: noop })).toEqual({ camera: true, screen: false });
		expect(captureSupport({ getUserMedia: noop, getDisplayMedia: noop })).toEqual({
			camera: true,
			screen: true
		});
	});
});

it('names captures by kind and local time', () => {
	const at = new Date(2025, 0, 31, 14, 5, 9);
	expect(captureName('camera', at, 'jpg')).toBe('photo 2025-01-31 14.05.09.jpg');
	expect(captureName('screen', at, 'png')).toBe('screenshot 2025-01-31 14.05.09.png');
});
