// What an answer turn reports while it runs. The core applies each event to its own copy of the
// answer (to save it); a face applies the same events to what it shows, with the same reducer,
// so the two never disagree.
import type { ConversationSummary, ImageRef, Message, MessageStatus } from '$lib/types/chat';
import type { ToolCallRecord } from '$lib/types/tools';

/** The answer's fields a turn sets besides its text and tool calls. */
export type AnswerMeta = Partial<
	Pick<
		Message,
		| 'agent'
		| 'model'
		| 'engine'
		| 'context'
		| 'memories'
		| 'usage'
		| 'timings'
		| 'reasoningMs'
		| 'revision'
		| 'review'
		| 'toolCalls'
		| 'untrusted'
		| 'error'
	>
>;

export type TurnEvent =
	/** Fields of the answer changed (a field set to undefined is cleared). */
	| { type: 'meta'; meta: AnswerMeta }
	/** Streamed text, appended. */
	| { type: 'text'; text: string }
	/** The whole text replaced (a revision streaming in, or the draft restored). */
	| { type: 'content'; content: string }
	/** A new tool-call card. */
	| { type: 'call'; record: ToolCallRecord }
	| { type: 'call-update'; id: string; patch: Partial<ToolCallRecord> }
	/** The conversation's rolling summary changed (undefined: dropped). */
	| { type: 'summary'; summary: ConversationSummary | undefined }
	/** What was read from an earlier message's images (OCR text), to keep with it. */
	| { type: 'images'; messageId: string; images: ImageRef[] }
	/** The critique-and-revise pass started or ended. */
	| { type: 'reviewing'; on: boolean }
	/** Streaming began, or the answer settled (saved; the next message can be sent). */
	| { type: 'status'; status: MessageStatus };

/** Applies one event to an answer; events about something else leave it unchanged. */
export function applyTurnEvent(answer: Message, event: TurnEvent): void {
	switch (event.type) {
		case 'meta':
			Object.assign(answer, event.meta);
			break;
		case 'text':
			answer.content += event.text;
			break;
		case 'content':
			answer.content = event.content;
			break;
		case 'status':
			answer.status = event.status;
			break;
		case 'call':
			// A copy: the core's answer and a face's must never share a card object.
			answer.toolCalls = [...(answer.toolCalls ?? []), { ...event.record }];
			break;
		case 'call-update': {
			const call = answer.toolCalls?.find((c) => c.id === event.id);
			if (call) Object.assign(call, event.patch);
			break;
		}
	}
}
