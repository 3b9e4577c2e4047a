// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { render } from '$lib/components/component-test-kit';
import type { VoiceState } from '$lib/state/voice.svelte';
import MicButton from './MicButton.svelte';

// Tap to latch listening on, hold to talk: told apart by how long the press lasted, measured
// between the events themselves and not between the moments a busy page got round to them.

function show() {
	const calls: string[] = [];
	const voice = {
		mode: null,
		listening: false,
		status: 'idle',
		level: 0,
		startPushToTalk: async () => void calls.push('start'),
		stopPushToTalk: async () => void calls.push('stop'),
		latch: () => void calls.push('latch'),
		toggle: async () => void calls.push('toggle'),
		stop: async () => void calls.push('end'),
		cancelRecording: async () => void calls.push('cancel')
	};
	const target = render(MicButton, { voice: voice as unknown as VoiceState });
	const button = target.querySelector<HTMLButtonElement>('[data-testid="mic-button"]')!;
	return { calls, button };
}

/** Keeps the thread busy, as a page still loading its code does. */
function busy(ms: number): void {
	const until = performance.now() + ms;
	while (performance.now() < until) {
		// spin
	}
}

const pointer = (type: string) => new MouseEvent(type, { button: 0, bubbles: true });

describe('MicButton', () => {
	it('a quick tap is a click even when the page handles its release half a second late', () => {
		const { calls, button } = show();
		const down = pointer('pointerdown');
		const up = pointer('pointerup'); // released at once…
		button.dispatchEvent(down);
		busy(600); // …but the page was busy
		button.dispatchEvent(up);
		expect(calls).toEqual(['start', 'latch']);
	});

	it('a press held past the threshold is push-to-talk: the release stops it', () => {
		const { calls, button } = show();
		button.dispatchEvent(pointer('pointerdown'));
		busy(600);
		button.dispatchEvent(pointer('pointerup'));
		expect(calls).toEqual(['start', 'stop']);
	});
});
