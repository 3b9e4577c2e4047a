// `hearth` / `hearth chat`: the conversation REPL. Ctrl-C stops the answer being written (not
// the REPL); at an empty prompt it says how to leave, and a second one leaves.
import { agentsFrom, findAgent } from '$lib/agent/agents';
import { normalizeText } from '$lib/memory/text';
import type { Conversation, Message } from '$lib/types/chat';
import type { Memory } from '$lib/types/knowledge';
import { toHearthError } from '$lib/types/errors';
import type { NodeRuntime } from '../node/runtime';
import { catalogBytes } from '$lib/engine/gguf-catalog';
import { formatDue } from '$lib/reminders/format';
import { isYes, terminalApprovals, type AskLine } from './approvals';
import { downloadModel, megabytes, recommendedModel } from './download';
import { findConversation } from './history';
import { LineReader } from './lines';
import { memoryLine, reviewProposals } from './memories';
import type { CliValues } from './main';
import { EXIT } from './exit-codes';
import { reminderPrinter } from './reminders';
import { bold, dim, terminalOutput, type Output } from './render';
import { runTurn } from './turn-runner';

const COMMANDS = `/model [name]     list the models, or switch to one
/agent [name]     list the agents, or always use one (auto: the router picks)
/remember TEXT    keep a memory (every face shares them)
/forget WORDS     forget the memories containing WORDS
/memories         list the memories
/proposals        review the proposed memories (keep or discard each)
/new              start a new conversation
/history          recent conversations (resume one with: hearth chat --resume ID)
/reminders        the scheduled reminders
/exit             leave (or Ctrl-D)`;

interface ReplState {
	conversation: Conversation | null;
	agent: Message['agent'] | undefined;
}

async function command(
	runtime: NodeRuntime,
	state: ReplState,
	line: string,
	out: Output,
	ask: AskLine
): Promise<'exit' | void> {
	const [name = '', ...restWords] = line.slice(1).split(/\s+/);
	const rest = restWords.join(' ').trim();
	switch (name) {
		case 'exit':
		case 'quit':
			return 'exit';
		case 'help':
			out.write(`${COMMANDS}\n`);
			return;
		case 'new':
			state.conversation = null;
			out.write(dim(out, 'New conversation.\n'));
			return;
		case 'model': {
			if (rest) {
				const choice = await runtime.engines.use(rest);
				out.write(dim(out, `Now answering with ${choice.model} (${choice.engine.label}).\n`));
				return;
			}
			const current = await runtime.engines.choose(null).catch(() => null);
			for (const list of await runtime.engines.listModels()) {
				out.write(`${bold(out, list.label)}\n`);
				for (const m of list.models) {
					const mark = current?.kind === list.kind && current.model === m.id ? '*' : ' ';
					out.write(`${mark} ${m.id}\n`);
				}
			}
			return;
		}
		case 'agent': {
			const agents = agentsFrom(runtime.settings);
			if (!rest) {
				for (const a of agents) {
					const mark = state.agent?.id === a.id ? '*' : ' ';
					out.write(`${mark} ${a.id.padEnd(10)} ${dim(out, a.description)}\n`);
				}
				out.write(dim(out, `${state.agent ? ' ' : '*'} auto       the router picks per message\n`));
				return;
			}
			if (rest === 'auto') {
				state.agent = undefined;
				out.write(dim(out, 'The router picks the agent for each message.\n'));
				return;
			}
			const agent =
				findAgent(agents, rest) ?? agents.find((a) => a.name.toLowerCase() === rest.toLowerCase());
			if (!agent) {
				out.write(`No agent named "${rest}". /agent lists them.\n`);
				return;
			}
			state.agent = { id: agent.id, name: agent.name, chosenBy: 'user' };
			out.write(dim(out, `${agent.name} answers from now on.\n`));
			return;
		}
		case 'remember': {
			if (!rest) {
				out.write('Say what to remember: /remember I prefer Python\n');
				return;
			}
			// Typed at the prompt: the person's own words, whatever the conversation read.
			const memory = await runtime.memories.add({
				text: rest,
				origin: 'explicit',
				status: 'kept',
				...(state.conversation ? { conversationId: state.conversation.id } : {})
			});
			out.write(dim(out, `Remembered: ${memory.text}\n`));
			return;
		}
		case 'forget': {
			const wanted = normalizeText(rest);
			const gone = wanted
				? (await runtime.memories.list()).filter(
						(m) => m.id === rest.trim() || normalizeText(m.text).includes(wanted)
					)
				: [];
			for (const m of gone) await runtime.memories.delete(m.id);
			out.write(
				gone.length
					? dim(out, `Forgot: ${gone.map((m) => m.text).join('; ')}\n`)
					: `No memory contains "${rest}". /memories lists them.\n`
			);
			return;
		}
		case 'memories': {
			const all = await runtime.memories.list();
			if (all.length === 0) out.write(dim(out, 'No memories yet (/remember adds one).\n'));
			for (const m of all) out.write(memoryLine(out, m));
			return;
		}
		case 'proposals': {
			const proposed = await runtime.memories.list('proposed');
			if (proposed.length === 0) out.write(dim(out, 'No proposed memories.\n'));
			else await reviewProposals(runtime.memories, proposed, ask, out);
			return;
		}
		case 'reminders': {
			const scheduled = await runtime.reminders.list(['scheduled']);
			if (scheduled.length === 0) out.write(dim(out, 'No reminders are scheduled.\n'));
			for (const r of scheduled)
				out.write(`${r.id}  ${r.text}  ${dim(out, formatDue(r.dueAt, Date.now()))}\n`);
			return;
		}
		case 'history': {
			for (const c of await runtime.store.listConversations(0, 10)) {
				out.write(`${c.id}  ${c.title}\n`);
			}
			return;
		}
		default:
			out.write(`Unknown command /${name}.\n${COMMANDS}\n`);
	}
}

/** With nothing to answer with, offers the recommended small model (a yes downloads it). */
async function offerDownload(
	runtime: NodeRuntime,
	notes: Output,
	ask: (question: string) => Promise<string | null>
): Promise<void> {
	const model = recommendedModel();
	const answer = await ask(
		`Download ${model.name} (${megabytes(catalogBytes(model))}) into ${runtime.modelsDir}? [y/N] `
	);
	if (!isYes(answer)) return;
	try {
		await downloadModel(runtime, model, notes);
		runtime.engines.refresh();
		notes.write(`${model.name} is ready; ask again.\n`);
	} catch (e) {
		notes.write(`hearth: ${toHearthError(e).message}\n`);
	}
}

export async function chatCommand(runtime: NodeRuntime, values: CliValues): Promise<number> {
	const tty = Boolean(process.stdin.isTTY);
	const out = terminalOutput();
	const notes = terminalOutput(process.stderr);
	const state: ReplState = { conversation: null, agent: undefined };
	if (values.resume) {
		const found = await findConversation(runtime, values.resume);
		if (!found) {
			notes.write(`hearth: no conversation ${values.resume} (hearth history lists them)\n`);
			return EXIT.usage;
		}
		state.conversation = found;
		out.write(dim(out, `Resuming "${found.title}".\n`));
	}
	const lines = new LineReader(process.stdin, process.stdout, tty);
	let answering: AbortController | null = null;
	let lastSigint = 0;
	let leave = false;
	lines.rl.on('SIGINT', () => {
		if (answering) {
			answering.abort();
			return;
		}
		if (Date.now() - lastSigint < 2000) {
			leave = true;
			lines.close();
			return;
		}
		lastSigint = Date.now();
		out.write(dim(out, '\n(Ctrl-C again or /exit to leave)\n'));
		lines.rl.prompt();
	});
	// Piped: no prompts, and tool questions go to stderr with the answer read from the next line.
	const ask = (question: string) => {
		if (tty) return lines.next(question);
		notes.write(question);
		return lines.next('');
	};
	const approvals = terminalApprovals(runtime.toolsPolicy, notes, ask);
	// A reminder that goes off at the prompt puts the prompt back; during an answer it is
	// printed between the answer's blocks.
	await runtime.startReminders(
		reminderPrinter(notes, () => {
			if (tty && !answering) lines.rl.prompt(true);
		})
	);
	if (tty)
		out.write(dim(out, 'Hearth. /help lists commands, Ctrl-C stops an answer, Ctrl-D leaves.\n'));
	// Memory proposals, read from the conversation once answering has been quiet (as the web app
	// batches them), are asked about at the prompt: at once when it is idle and empty, else
	// before it is shown next. Piped, they stay pending for `hearth memories`.
	const proposed: Memory[] = [];
	let interrupted = false;
	let atPrompt = false;
	if (tty) {
		runtime.onProposed((memories) => {
			proposed.push(...memories);
			// Only the main prompt is interrupted: never a question (a tool's y/N, a review).
			if (atPrompt && lines.interrupt()) interrupted = true;
		});
		const waiting = (await runtime.memories.list('proposed')).length;
		if (waiting > 0) {
			notes.write(
				dim(
					notes,
					`${waiting} proposed ${waiting === 1 ? 'memory waits' : 'memories wait'}: /proposals\n`
				)
			);
		}
	}
	const review = async () => {
		if (interrupted) notes.write('\n');
		interrupted = false;
		await reviewProposals(runtime.memories, proposed.splice(0), ask, notes);
	};
	try {
		while (!leave) {
			while (proposed.length > 0) await review();
			atPrompt = true;
			const line = await lines.next(tty ? bold(out, '› ') : '').finally(() => (atPrompt = false));
			if (line === null) break;
			const text = line.trim();
			if (!text) continue;
			try {
				if (text.startsWith('/')) {
					if ((await command(runtime, state, text, out, ask)) === 'exit') break;
					continue;
				}
				answering = new AbortController();
				const firstAnswer = state.conversation === null;
				const { answer, conversation } = await runTurn({
					runtime,
					conversation: state.conversation,
					text,
					approvals,
					signal: answering.signal,
					out,
					notes,
					agent: state.agent
				});
				state.conversation = conversation;
				if (answer.status === 'aborted') out.write(dim(out, '\n(stopped)\n'));
				if (answer.error) notes.write(`hearth: ${answer.error.message}\n`);
				if (firstAnswer && answer.status === 'done') {
					void runtime.service.autoTitle(conversation.id);
				}
			} catch (e) {
				const error = toHearthError(e);
				notes.write(`hearth: ${error.message}\n`);
				if (error.code === 'no_model' && tty) await offerDownload(runtime, notes, ask);
			} finally {
				answering = null;
			}
		}
		// Leaving: what still waits is read now (one model call per conversation) and asked about
		// while the person is here; unanswered ones stay pending.
		if (runtime.proposals.waiting > 0 && tty && !leave) {
			notes.write(dim(notes, 'Looking for things worth remembering…\n'));
			await runtime.proposals.flush();
			while (proposed.length > 0) await review();
		}
	} finally {
		runtime.onProposed(null);
		lines.close();
	}
	const pending = (await runtime.memories.list('proposed')).length;
	if (pending > 0 && tty) {
		notes.write(
			dim(
				notes,
				`${pending} proposed ${pending === 1 ? 'memory waits' : 'memories wait'}: hearth memories proposals\n`
			)
		);
	}
	if (state.conversation && tty) {
		out.write(dim(out, `\nResume with: hearth chat --resume ${state.conversation.id}\n`));
	}
	return EXIT.ok;
}
