import type { ChatState } from '$lib/state/chat.svelte';
import type { VoiceState } from '$lib/state/voice.svelte';

/**
 * Reads answers aloud while they stream, sentence by sentence, whenever voice mode wants it
 * (VoiceState.shouldRead). Text that arrived before reading was wanted is not read back, and a
 * revision that rewrites an answer is not read twice. Returns the cleanup.
 */
export function readAloud(chat: ChatState, voice: VoiceState): () => void {
	return $effect.root(() => {
		let messageId: string | null = null;
		let spoken = 0;
		$effect(() => {
			const streaming = chat.streaming;
			const message = streaming ? chat.byId.get(streaming.messageId) : undefined;
			if (!streaming || !message) {
				if (messageId !== null) voice.endSpeech();
				messageId = null;
				return;
			}
			const text = message.content;
			if (messageId !== streaming.messageId) {
				if (messageId !== null) voice.endSpeech();
				messageId = streaming.messageId;
				spoken = 0;
			}
			if (!voice.shouldRead || text.length < spoken) {
				spoken = text.length;
				return;
			}
			if (text.length > spoken) {
				voice.speakStreaming(text.slice(spoken));
				spoken = text.length;
			}
		});
	});
}
