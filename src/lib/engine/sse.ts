import { readTextLines } from '$lib/engine/text-lines';

/** One dispatched server-sent event. `event` is absent for the default "message" type. */
export interface SseEvent {
	event?: string;
	data: string;
}

/**
 * Streaming text/event-stream reader: the subset of the WHATWG event-stream parser that
 * inference servers use. `data:` lines (several join with "\n"), `event:` names, comments
 * (lines starting with ":"), `id:`/`retry:` ignored, CR, LF and CRLF line endings, and chunk
 * boundaries anywhere, including inside a UTF-8 character or between a CR and its LF.
 *
 * One deliberate departure from the spec: a last event whose blank line never came is still
 * yielded at end of stream, because some servers end the body right after their last `data:`
 * line. A read failure is rethrown unchanged. If the consumer stops early, the stream is
 * cancelled so the connection closes instead of draining in the background.
 */
export async function* readSseEvents(stream: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
	const pending = new PendingEvent();
	for await (const line of readTextLines(stream, /\r\n|\r|\n/)) {
		const event = pending.feed(line);
		if (event) yield event;
	}
	const last = pending.feed('');
	if (last) yield last;
}

/** The fields gathered since the last dispatch. */
class PendingEvent {
	#data: string[] = [];
	#event: string | undefined;

	/** Takes one line (without its ending); returns the event a blank line dispatches. */
	feed(line: string): SseEvent | undefined {
		if (line === '') return this.#dispatch();
		if (line.startsWith(':')) return undefined;
		const colon = line.indexOf(':');
		const field = colon === -1 ? line : line.slice(0, colon);
		let value = colon === -1 ? '' : line.slice(colon + 1);
		if (value.startsWith(' ')) value = value.slice(1);
		if (field === 'data') this.#data.push(value);
		else if (field === 'event') this.#event = value;
		return undefined;
	}

	#dispatch(): SseEvent | undefined {
		const data = this.#data;
		const event = this.#event;
		this.#data = [];
		this.#event = undefined;
		// Per spec, an event with no data lines is dropped (and its name forgotten).
		if (data.length === 0) return undefined;
		const joined = data.join('\n');
		return event === undefined || event === '' ? { data: joined } : { event, data: joined };
	}
}
