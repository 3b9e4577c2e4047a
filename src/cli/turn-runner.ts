// One message and its answer in a terminal conversation: saves the message, streams the answer
// through the core's ConversationService and shows its events. Shared by `ask` and the REPL.
import type { ToolApprovals } from '$lib/conversation/ports';
import { applyTurnEvent, type TurnEvent } from '$lib/conversation/turn-events';
import type { Conversation, Message } from '$lib/types/chat';
import { toHearthError } from '$lib/types/errors';
import { buildThread } from '$lib/utils/thread';
import type { NodeRuntime } from '../node/runtime';
import { AnswerPrinter, dim, type Output } from './render';

export interface TurnOutcome {
	answer: Message;
	conversation: Conversation;
}

export interface TurnOptions {
	runtime: NodeRuntime;
	/** The conversation to continue; null starts one. */
	conversation: Conversation | null;
	text: string;
	approvals: ToolApprovals;
	signal: AbortSignal;
	/** Where the answer is shown; null shows nothing (--json). */
	out: Output | null;
	/** Tool cards and notes (stderr, so stdout holds only the answer). */
	notes: Output;
	agent?: Message['agent'];
	/** The model alone: no agent prompt, tools or memories (a base model continues the text). */
	raw?: boolean;
}

/** The branch ending at `leafId`, read from the store. */
export async function threadOf(
	runtime: NodeRuntime,
	conversation: Conversation,
	leafId = conversation.leafId
): Promise<Message[]> {
	const messages = await runtime.store.messagesOf(conversation.id);
	return buildThread(new Map(messages.map((m) => [m.id, m])), leafId ?? null);
}

function showCall(notes: Output, event: TurnEvent, calls: Map<string, string>): void {
	if (event.type === 'call') {
		calls.set(event.record.id, event.record.name);
		notes.write(dim(notes, `⚙ ${event.record.name} ${JSON.stringify(event.record.args)}\n`));
	} else if (event.type === 'call-update') {
		const name = calls.get(event.id) ?? 'tool';
		const { patch } = event;
		if (patch.output !== undefined) return;
		if (patch.status === 'done' && patch.preview) {
			notes.write(dim(notes, `  ${name}: ${patch.preview.split('\n')[0]}\n`));
		} else if (
			patch.status === 'error' ||
			patch.status === 'denied' ||
			patch.status === 'cancelled'
		) {
			const why = patch.error?.message ?? patch.status;
			notes.write(dim(notes, `  ${name}: ${why}\n`));
		}
	}
}

/**
 * The passages search_knowledge gave this answer, numbered as the model saw them: `[1]
 * docs/notes.md:12`. Several searches in one answer each number from 1, so each is a group.
 */
export function citedSources(answer: Message): string[][] {
	return (answer.toolCalls ?? [])
		.filter((c) => c.name === 'search_knowledge' && c.status === 'done' && c.sources?.length)
		.map((c) => (c.sources ?? []).map((s, i) => `[${i + 1}] ${s.title}`));
}

function printSources(out: Output, answer: Message): void {
	const groups = citedSources(answer);
	if (groups.length === 0) return;
	out.write(`\n${dim(out, 'Sources:')}\n${groups.map((g) => g.join('\n')).join('\n\n')}\n`);
}

export async function runTurn(options: TurnOptions): Promise<TurnOutcome> {
	const { runtime, text, out, notes } = options;
	const service = runtime.service;
	let conversation = options.conversation;
	if (!conversation) {
		const choice = await runtime.engines.choose(null);
		conversation = await service.createConversation(text, {
			model: choice.model,
			engine: choice.kind
		});
	}
	const user = await service.addMessage({
		conversationId: conversation.id,
		parentId: conversation.leafId ?? null,
		role: 'user',
		content: text,
		status: 'done'
	});
	const thread = await threadOf(runtime, conversation, user.id);
	const answer = await service.addMessage({
		conversationId: conversation.id,
		parentId: user.id,
		role: 'assistant',
		content: '',
		status: 'streaming'
	});
	const printer = out ? new AnswerPrinter(out) : null;
	if (options.raw) {
		const shown = await rawAnswer(options, conversation, answer, thread, printer);
		return { answer: shown, conversation };
	}
	const shown: Message = { ...answer };
	const calls = new Map<string, string>();
	const run = service.answer({
		answer,
		thread,
		conversation: (await runtime.store.getConversation(conversation.id)) ?? conversation,
		append: false,
		agent: options.agent,
		approvals: options.approvals,
		signal: options.signal
	});
	for await (const event of run) {
		applyTurnEvent(shown, event);
		if (event.type === 'text') printer?.text(event.text);
		else if (event.type === 'content') printer?.replace(event.content);
		else showCall(notes, event, calls);
	}
	printer?.end();
	if (out) printSources(out, shown);
	const saved = (await runtime.store.getConversation(conversation.id)) ?? conversation;
	return { answer: shown, conversation: saved };
}

/** Streams the engine's own reply to the thread, saving it as it goes (at most every 250 ms). */
async function rawAnswer(
	options: TurnOptions,
	conversation: Conversation,
	answer: Message,
	thread: readonly Message[],
	printer: AnswerPrinter | null
): Promise<Message> {
	const { runtime, signal } = options;
	const { store } = runtime;
	const shown: Message = { ...answer };
	const choice = await runtime.engines.choose(conversation.pin);
	Object.assign(shown, { model: choice.model, engine: choice.kind });
	let saved = 0;
	try {
		const stream = choice.engine.chat(
			{
				model: choice.model,
				messages: thread.map((m) => ({ role: m.role, content: m.content })),
				options: {
					temperature: runtime.settings.temperature,
					maxTokens: runtime.settings.maxTokens
				}
			},
			signal
		);
		for await (const delta of stream) {
			if (delta.type === 'text') {
				shown.content += delta.text;
				printer?.text(delta.text);
				if (Date.now() - saved > 250) {
					saved = Date.now();
					await store.updateMessage(answer.id, { content: shown.content });
				}
			} else if (delta.type === 'done') {
				if (delta.usage) shown.usage = delta.usage;
				shown.timings = delta.timings;
			}
		}
		shown.status = 'done';
	} catch (e) {
		const error = toHearthError(e);
		shown.status = error.code === 'aborted' ? 'aborted' : 'error';
		if (error.code !== 'aborted') shown.error = error.toJSON();
	}
	printer?.end();
	await store.updateMessage(answer.id, {
		content: shown.content,
		status: shown.status,
		model: shown.model,
		engine: shown.engine,
		...(shown.usage ? { usage: shown.usage } : {}),
		...(shown.timings ? { timings: shown.timings } : {}),
		...(shown.error ? { error: shown.error } : {})
	});
	return shown;
}
