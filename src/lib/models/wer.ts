// Word error rate, as speech recognition is scored: (substitutions + deletions + insertions) /
// reference words, over words normalised so that case and punctuation do not count (LibriSpeech
// references are upper case without punctuation; Whisper writes sentences).

/** Lower case, punctuation dropped (an apostrophe inside a word kept), split on spaces. */
export function normalizeWords(text: string): string[] {
	return text
		.toLowerCase()
		.replace(/[’‘]/g, "'")
		.replace(/[^\p{L}\p{N}'\s]+/gu, ' ')
		.split(/\s+/)
		.map((w) => w.replace(/^'+|'+$/g, ''))
		.filter((w) => w !== '');
}

/** Word-level edit distance (Levenshtein over words), in O(n·m) time and O(m) memory. */
export function wordEdits(reference: readonly string[], hypothesis: readonly string[]): number {
	let previous = Array.from({ length: hypothesis.length + 1 }, (_, j) => j);
	for (let i = 1; i <= reference.length; i++) {
		const current = [i];
		for (let j = 1; j <= hypothesis.length; j++) {
			const substitution =
				(previous[j - 1] ?? 0) + (reference[i - 1] === hypothesis[j - 1] ? 0 : 1);
			current[j] = Math.min(substitution, (previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1);
		}
		previous = current;
	}
	return previous[hypothesis.length] ?? 0;
}

export interface WerScore {
	/** Edits / reference words (0 is perfect; above 1 is possible with many insertions). */
	wer: number;
	edits: number;
	words: number;
}

/** WER over a set of utterances: total edits over total reference words (as corpora are scored). */
export function wordErrorRate(
	pairs: readonly { reference: string; hypothesis: string }[]
): WerScore {
	let edits = 0;
	let words = 0;
	for (const { reference, hypothesis } of pairs) {
		const ref = normalizeWords(reference);
		edits += wordEdits(ref, normalizeWords(hypothesis));
		words += ref.length;
	}
	return { wer: words === 0 ? (edits === 0 ? 0 : 1) : edits / words, edits, words };
}
