// Small rules about voice input that need no state: which key is push-to-talk, and which
// transcripts are not speech.
import { SAMPLE_RATE } from '$lib/voice/types';

/** Shorter recordings are a tap, not speech: dropped without a transcript. */
export const MIN_SAMPLES = Math.round(SAMPLE_RATE * 0.25);

/** Whisper's words for silence or noise ("[BLANK_AUDIO]", "(wind blowing)"): not a message. */
export function isNonSpeech(text: string): boolean {
	return /^\s*(?:[[(][^\])]*[\])]\s*)+$/.test(text) || !/[\p{L}\p{N}]/u.test(text);
}

export interface KeyLike {
	code: string;
	repeat?: boolean;
	altKey: boolean;
	ctrlKey: boolean;
	metaKey: boolean;
	shiftKey: boolean;
	target: EventTarget | null;
}

/** Where Space means something else: typing, pressing a control, or inside a dialog. */
const SPACE_IS_TAKEN =
	'input, textarea, select, button, a[href], summary, audio, video, dialog[open], [contenteditable]:not([contenteditable="false"]), [role="button"], [role="textbox"], [role="slider"], [role="checkbox"], [role="radio"], [role="switch"], [role="tab"], [role="menuitem"], [role="option"]';

/** Space held with nothing else focused is push-to-talk. */
export function isPushToTalkKey(event: KeyLike): boolean {
	if (event.code !== 'Space' || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
		return false;
	}
	const target = event.target as { closest?: (selector: string) => unknown } | null;
	return !target?.closest?.(SPACE_IS_TAKEN);
}
