import { describe, expect, it } from 'vitest';
import { ProgressTracker } from '$lib/engine/download-progress';
import type { DownloadProgress } from '$lib/engine/download-progress';

function tracker(filesTotal = 3) {
	let clock = 0;
	const events: DownloadProgress[] = [];
	const t = new ProgressTracker(
		filesTotal,
		() => clock,
		(p) => events.push(p)
	);
	return {
		t,
		events,
		at: (ms: number) => {
			clock = ms;
		},
		last: () => events.at(-1)!
	};
}

describe('ProgressTracker', () => {
	it('counts resumed files as loaded but not as network speed', () => {
		const { t, at, last } = tracker();
		t.resumed('a.bin', 1000);
		t.expect(3000);
		t.emit(true);
		expect(last()).toMatchObject({
			loadedBytes: 1000,
			totalBytes: 4000,
			fraction: 0.25,
			resumedBytes: 1000,
			filesDone: 1,
			filesTotal: 3,
			bytesPerSecond: 0,
			etaSeconds: null
		});
		at(1000);
		t.received('b.bin', 1000);
		expect(last()).toMatchObject({ loadedBytes: 2000, bytesPerSecond: 1000, etaSeconds: 2 });
		expect(last().file).toBe('b.bin');
	});

	it('measures speed over the last few seconds only', () => {
		const { t, at, last } = tracker();
		t.expect(100_000);
		// A fast start, then a slow stretch: the rate follows the recent past.
		at(1000);
		t.received('a', 50_000);
		for (let s = 2; s <= 12; s++) {
			at(s * 1000);
			t.received('a', 100);
		}
		expect(last().bytesPerSecond).toBeGreaterThan(90);
		expect(last().bytesPerSecond).toBeLessThan(200);
	});

	it('reports at most every 100 ms unless a file finishes', () => {
		const { t, at, events } = tracker();
		t.expect(1000);
		at(10);
		t.received('a', 10);
		at(50);
		t.received('a', 10);
		expect(events).toHaveLength(1);
		t.finished('a', 20, 20);
		expect(events).toHaveLength(2);
		expect(events[1]).toMatchObject({ filesDone: 1, loadedBytes: 20 });
	});

	it('never moves the fraction backwards when a total grows or a retry restarts a file', () => {
		const { t, at, events } = tracker(2);
		t.expect(100);
		at(100);
		t.received('a', 80);
		t.restart('a');
		t.expect(900);
		at(300);
		t.received('b', 10);
		const fractions = events.map((e) => e.fraction);
		expect(fractions).toEqual([...fractions].sort((x, y) => x - y));
		expect(events.at(-1)!.loadedBytes).toBe(10);
	});

	it('ends at exactly 1 with ETA 0, correcting a total that was a guess', () => {
		const { t, at, last } = tracker(1);
		t.expect(500);
		at(200);
		t.received('tokenizer.json', 700);
		t.finished('tokenizer.json', 700, 500);
		t.complete();
		expect(last()).toMatchObject({
			loadedBytes: 700,
			totalBytes: 700,
			fraction: 1,
			etaSeconds: 0,
			filesDone: 1
		});
		expect(t.bytesNotStored).toBe(0);
	});
});
