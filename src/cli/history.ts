// `hearth history`: past conversations (newest first), one in full by id, or a search.
import type { NodeRuntime } from '../node/runtime';
import type { CliValues } from './main';
import { EXIT } from './exit-codes';
import { AnswerPrinter, bold, dim, terminalOutput } from './render';
import { threadOf } from './turn-runner';

export async function historyCommand(
	runtime: NodeRuntime,
	args: string[],
	values: CliValues
): Promise<number> {
	const out = terminalOutput();
	const id = args[0];
	if (id) {
		const conversation = await findConversation(runtime, id);
		if (!conversation) {
			process.stderr.write(`hearth: no conversation ${id} (hearth history lists them)\n`);
			return EXIT.usage;
		}
		const thread = await threadOf(runtime, conversation);
		if (values.json) {
			out.write(`${JSON.stringify({ conversation, messages: thread }, null, 2)}\n`);
			return EXIT.ok;
		}
		out.write(`${bold(out, conversation.title)} ${dim(out, conversation.id)}\n\n`);
		for (const m of thread) {
			out.write(`${bold(out, m.role === 'user' ? 'You' : 'Hearth')}\n`);
			const printer = new AnswerPrinter(out);
			printer.text(m.content);
			printer.end();
			out.write('\n');
		}
		return EXIT.ok;
	}
	if (values.search) {
		const hits = await runtime.store.search(values.search, 20);
		if (values.json) out.write(`${JSON.stringify(hits, null, 2)}\n`);
		else
			for (const h of hits)
				out.write(
					`${h.conversation.id}  ${h.conversation.title}\n  ${dim(out, h.snippet ?? '')}\n`
				);
		return EXIT.ok;
	}
	const conversations = await runtime.store.listConversations(0, 50);
	if (values.json) {
		out.write(`${JSON.stringify(conversations, null, 2)}\n`);
		return EXIT.ok;
	}
	if (conversations.length === 0) out.write('No conversations yet. Start one with `hearth`.\n');
	for (const c of conversations) {
		const when = new Date(c.updatedAt).toISOString().slice(0, 16).replace('T', ' ');
		out.write(`${c.id}  ${dim(out, when)}  ${c.title}\n`);
	}
	return EXIT.ok;
}

/** A conversation by its id or the start of it (as git takes short hashes). */
export async function findConversation(runtime: NodeRuntime, id: string) {
	const exact = await runtime.store.getConversation(id);
	if (exact) return exact;
	const all = await runtime.store.listConversations(0, 10_000);
	const matches = all.filter((c) => c.id.startsWith(id));
	return matches.length === 1 ? matches[0] : undefined;
}
