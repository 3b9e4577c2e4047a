import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ENGINE_FOUND_KEY, expectsFirstRun, rememberEngineFound } from './first-visit';

describe('first visit', () => {
	it('is read from the mark before-paint.js sets', () => {
		expect(expectsFirstRun({ dataset: { firstRun: '' } } as unknown as HTMLElement)).toBe(true);
		expect(expectsFirstRun({ dataset: {} } as unknown as HTMLElement)).toBe(false);
	});

	it('remembers a found engine under the key before-paint.js reads', () => {
		const stored = new Map<string, string>();
		rememberEngineFound({ setItem: (k, v) => void stored.set(k, v) });
		expect(stored.get(ENGINE_FOUND_KEY)).toBe('1');
		const script = readFileSync(
			new URL('../../../static/before-paint.js', import.meta.url),
			'utf8'
		);
		expect(script).toContain(`localStorage.getItem('${ENGINE_FOUND_KEY}') !== '1'`);
	});

	it('loses nothing when storage refuses the write', () => {
		expect(() =>
			rememberEngineFound({
				setItem: () => {
					throw new DOMException('full', 'QuotaExceededError');
				}
			})
		).not.toThrow();
		expect(() => rememberEngineFound(undefined)).not.toThrow();
	});
});
