// `hearth ask "…"`: one question, one answer, for scripts and pipes. Piped stdin is added to the
// question (`cat build.log | hearth ask "why did this fail?"`); --json prints one object.
import { agentsFrom, findAgent } from '$lib/agent/agents';
import type { Message } from '$lib/types/chat';
import type { Memory } from '$lib/types/knowledge';
import { HearthError, toHearthError } from '$lib/types/errors';
import type { NodeRuntime } from '../node/runtime';
import { terminalApprovals } from './approvals';
import { LineReader } from './lines';
import { memoryLine } from './memories';
import type { CliValues } from './main';
import { EXIT, exitCodeFor } from './exit-codes';
import { dim, terminalOutput } from './render';
import { citedSources, runTurn } from './turn-runner';

/** Most piped input taken with a question: more would not fit any local model's window anyway. */
export const MAX_STDIN_BYTES = 1024 * 1024;

/** Reads piped stdin whole, refusing (content_too_large) past `limit` bytes. */
export async function readStdin(
	stream: NodeJS.ReadableStream = process.stdin,
	limit = MAX_STDIN_BYTES
): Promise<string> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of stream) {
		const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
		size += buffer.length;
		if (size > limit) {
			throw new HearthError(
				'content_too_large',
				`The piped input is over ${limit / 1024 / 1024} MB; pipe in the part that matters (tail -n 200, grep).`
			);
		}
		chunks.push(buffer);
	}
	const bytes = Buffer.concat(chunks);
	if (bytes.includes(0)) {
		throw new HearthError('content_unreadable', 'The piped input is binary, not text.');
	}
	return bytes.toString('utf8');
}

export function questionWithInput(question: string, input: string): string {
	if (!input.trim()) return question;
	const fence = input.includes('```') ? '~~~~' : '```';
	return `${question}\n\n${fence}\n${input.replace(/\n+$/, '')}\n${fence}`;
}

export async function askCommand(
	runtime: NodeRuntime,
	words: string[],
	values: CliValues
): Promise<number> {
	const notes = terminalOutput(process.stderr);
	let question = words.join(' ').trim();
	const piped = !process.stdin.isTTY;
	if (piped) {
		try {
			question = questionWithInput(question, await readStdin());
		} catch (e) {
			notes.write(`hearth: ${toHearthError(e).message}\n`);
			return EXIT.usage;
		}
	}
	if (!question) {
		notes.write('hearth: ask needs a question: hearth ask "what is 17 * 23?"\n');
		return EXIT.usage;
	}
	let agent: Message['agent'];
	if (values.agent) {
		const agents = agentsFrom(runtime.settings);
		const found =
			findAgent(agents, values.agent) ??
			agents.find((a) => a.name.toLowerCase() === values.agent?.toLowerCase());
		if (!found) {
			notes.write(
				`hearth: no agent named "${values.agent}" (${agents.map((a) => a.id).join(', ')})\n`
			);
			return EXIT.usage;
		}
		agent = { id: found.id, name: found.name, chosenBy: 'user' };
	}
	// Questions are asked on the terminal itself; piped or --json runs have no one to ask.
	const lines = !piped && !values.json ? new LineReader(process.stdin, process.stderr, true) : null;
	const abort = new AbortController();
	const onSigint = () => abort.abort();
	process.on('SIGINT', onSigint);
	try {
		const approvals = terminalApprovals(
			runtime.toolsPolicy,
			notes,
			lines ? (q) => lines.next(q) : null
		);
		const proposed: Memory[] = [];
		runtime.onProposed((memories) => proposed.push(...memories));
		const { answer, conversation } = await runTurn({
			runtime,
			conversation: null,
			text: question,
			approvals,
			signal: abort.signal,
			out: values.json ? null : terminalOutput(),
			notes: values.json ? { ...notes, write: () => {} } : notes,
			raw: values.raw,
			agent
		});
		// The exchange is read for memory proposals now, the answer being out (--json waits for
		// it): they are kept pending for `hearth memories`, never kept unasked.
		if (runtime.proposals.waiting > 0) await runtime.proposals.flush();
		if (values.json) {
			const result = {
				conversation: conversation.id,
				message: answer.id,
				status: answer.status,
				answer: answer.content,
				model: answer.model,
				engine: answer.engine,
				agent: answer.agent?.id,
				toolCalls: (answer.toolCalls ?? []).map((c) => ({
					name: c.name,
					args: c.args,
					status: c.status,
					preview: c.preview
				})),
				sources: citedSources(answer),
				usage: answer.usage,
				timings: answer.timings,
				error: answer.error,
				memoryProposals: proposed.map((m) => ({ id: m.id, text: m.text, kind: m.kind }))
			};
			process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
		} else if (answer.error) {
			notes.write(`hearth: ${answer.error.message}\n`);
		}
		if (!values.json && proposed.length > 0) {
			notes.write(dim(notes, `Proposed to remember (hearth memories keep|discard ID):\n`));
			for (const m of proposed) notes.write(memoryLine(notes, m));
		}
		if (answer.status === 'aborted') return EXIT.interrupted;
		if (answer.error) return exitCodeFor(new HearthError(answer.error.code, answer.error.message));
		return EXIT.ok;
	} finally {
		runtime.onProposed(null);
		process.off('SIGINT', onSigint);
		lines?.close();
	}
}
