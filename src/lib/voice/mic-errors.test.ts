import { describe, expect, it } from 'vitest';
import { HearthError } from '$lib/types/errors';
import { micError, micSupport } from '$lib/voice/mic-errors';

function domError(name: string): Error {
	const e = new Error('browser message');
	e.name = name;
	return e;
}

describe('micError', () => {
	it.each([
		['NotAllowedError', 'microphone_denied'],
		['SecurityError', 'microphone_denied'],
		['NotFoundError', 'microphone_missing'],
		['OverconstrainedError', 'microphone_missing'],
		['NotReadableError', 'microphone_busy'],
		['AbortError', 'microphone_busy'],
		['SomethingNew', 'microphone_busy']
	])('maps %s to %s', (name, code) => {
		const original = domError(name);
		const error = micError(original);
		expect(error.code).toBe(code);
		expect(error.cause).toBe(original);
	});

	it('tells the person where to allow the microphone', () => {
		expect(micError(domError('NotAllowedError')).message).toMatch(/address bar's site settings/);
	});

	it('accepts DOMException-like objects and keeps HearthErrors', () => {
		expect(micError({ name: 'NotFoundError' }).code).toBe('microphone_missing');
		const original = new HearthError('aborted', 'Stopped.');
		expect(micError(original)).toBe(original);
	});
});

describe('micSupport', () => {
	it('needs a secure context and mediaDevices.getUserMedia', () => {
		expect(
			micSupport({ isSecureContext: false, mediaDevices: { getUserMedia: () => 0 } })?.code
		).toBe('not_supported');
		expect(micSupport({ isSecureContext: true })?.code).toBe('not_supported');
		expect(micSupport({ isSecureContext: true, mediaDevices: {} })?.code).toBe('not_supported');
		expect(
			micSupport({ isSecureContext: true, mediaDevices: { getUserMedia: () => 0 } })
		).toBeNull();
	});
});
