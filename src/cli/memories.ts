// Memories in the terminal: `hearth memories` lists them, and keeps or discards the proposals the
// web app's proposer stored (after `ask`, an API call, or a REPL that was left before they were
// reviewed); the REPL asks about each new proposal y/N when it is idle at the prompt.
import type { MemoryRepository } from '$lib/memory/memory-repo';
import type { Memory } from '$lib/types/knowledge';
import { HearthError } from '$lib/types/errors';
import type { NodeRuntime } from '../node/runtime';
import type { AskLine } from './approvals';
import { EXIT } from './exit-codes';
import type { CliValues } from './main';
import { bold, dim, terminalOutput, type Output } from './render';

/** Where a memory written after untrusted text came from, in words. */
function provenance(out: Output, m: Memory): string {
	return m.untrusted?.length
		? dim(out, ` (the conversation had read ${m.untrusted.join(', ')}: not marked as yours)`)
		: '';
}

/** A proposal's id, shortened as git shortens hashes (enough to name it in `keep`/`discard`). */
export const shortId = (id: string): string => id.slice(0, 8);

export function memoryLine(out: Output, m: Memory): string {
	const proposed = m.status === 'proposed' ? dim(out, ' (proposed)') : '';
	return `${dim(out, shortId(m.id))}  ${m.text}${proposed}${provenance(out, m)}\n`;
}

/** How a reply to "Keep it?" reads: y keeps, all / none settle the rest, later leaves them. */
export type ReviewAnswer = 'keep' | 'discard' | 'keep-all' | 'discard-all' | 'later';

export function reviewAnswer(line: string | null): ReviewAnswer {
	if (line === null) return 'later';
	const word = line.trim().toLowerCase();
	if (word === 'y' || word === 'yes') return 'keep';
	if (word === 'a' || word === 'all') return 'keep-all';
	if (word === 'none') return 'discard-all';
	if (word === 'l' || word === 'later') return 'later';
	return 'discard';
}

/**
 * Asks about each proposal in turn; what was not answered (later, input ended) stays proposed.
 * Returns how many were kept and discarded.
 */
export async function reviewProposals(
	memories: MemoryRepository,
	proposals: readonly Memory[],
	ask: AskLine,
	out: Output
): Promise<{ kept: number; discarded: number }> {
	let kept = 0;
	let discarded = 0;
	let rest: 'keep' | 'discard' | null = null;
	out.write(
		`${bold(out, proposals.length === 1 ? 'Worth remembering?' : `${proposals.length} things worth remembering?`)}\n`
	);
	for (const [i, m] of proposals.entries()) {
		// Kept or discarded meanwhile (another process, /forget): nothing to ask.
		const current = await memories.get(m.id);
		if (current?.status !== 'proposed') continue;
		let answer: ReviewAnswer = rest ?? 'discard';
		if (!rest) {
			const number = proposals.length > 1 ? `${i + 1}/${proposals.length} ` : '';
			answer = reviewAnswer(
				await ask(`  ${number}${m.text}${provenance(out, m)}\n  Keep it? [y/N, all, none, later] `)
			);
		}
		if (answer === 'later') break;
		if (answer === 'keep-all' || answer === 'discard-all') {
			rest = answer === 'keep-all' ? 'keep' : 'discard';
		}
		if (answer === 'keep' || answer === 'keep-all') {
			await memories.keep(m.id);
			kept++;
		} else {
			await memories.discard(m.id);
			discarded++;
		}
	}
	const left = proposals.length - kept - discarded;
	out.write(
		dim(
			out,
			`  ${[
				kept ? `Kept ${kept}.` : '',
				discarded ? `Discarded ${discarded}.` : '',
				left ? `${left} left for later (hearth memories, or /proposals).` : ''
			]
				.filter(Boolean)
				.join(' ')}\n`
		)
	);
	return { kept, discarded };
}

/** The proposals `ids` name (each a full id or an unambiguous start of one). */
function named(proposals: readonly Memory[], ids: readonly string[]): Memory[] {
	return ids.map((id) => {
		const found = proposals.filter((m) => m.id === id || m.id.startsWith(id));
		if (found.length !== 1) {
			throw new HearthError(
				'import_invalid',
				found.length === 0
					? `No proposed memory ${id} (hearth memories proposals lists them).`
					: `${id} names ${found.length} proposals; give more of the id.`
			);
		}
		return found[0]!;
	});
}

/**
 * `hearth memories [--json]`: every memory, proposals marked;
 * `hearth memories proposals [--json]`: the proposals alone;
 * `hearth memories keep|discard ID… | --all`: settles proposals.
 */
export async function memoriesCommand(
	runtime: NodeRuntime,
	args: string[],
	values: CliValues
): Promise<number> {
	const out = terminalOutput();
	const notes = terminalOutput(process.stderr);
	const [sub, ...ids] = args;
	if (sub === undefined || sub === 'proposals') {
		const list = await runtime.memories.list(sub ? 'proposed' : undefined);
		if (values.json) {
			out.write(`${JSON.stringify(list, null, 2)}\n`);
			return EXIT.ok;
		}
		if (list.length === 0) {
			out.write(sub ? 'No proposed memories.\n' : 'No memories yet.\n');
		}
		for (const m of list) out.write(memoryLine(out, m));
		const waiting = list.filter((m) => m.status === 'proposed').length;
		if (waiting > 0) {
			notes.write(
				dim(notes, 'Keep or discard proposals: hearth memories keep|discard ID… (or --all)\n')
			);
		}
		return EXIT.ok;
	}
	if (sub !== 'keep' && sub !== 'discard') {
		notes.write(
			`hearth: unknown memories command "${sub}" (try: proposals, keep ID…, discard ID…)\n`
		);
		return EXIT.usage;
	}
	const proposals = await runtime.memories.list('proposed');
	if (!values.all && ids.length === 0) {
		notes.write(`hearth: memories ${sub} needs proposal ids, or --all\n`);
		return EXIT.usage;
	}
	let chosen: Memory[];
	try {
		chosen = values.all ? proposals : named(proposals, ids);
	} catch (e) {
		notes.write(`hearth: ${(e as HearthError).message}\n`);
		return EXIT.usage;
	}
	for (const m of chosen) {
		if (sub === 'keep') await runtime.memories.keep(m.id);
		else await runtime.memories.discard(m.id);
		out.write(`${sub === 'keep' ? 'Kept' : 'Discarded'}: ${m.text}\n`);
	}
	if (chosen.length === 0) out.write('No proposed memories.\n');
	return EXIT.ok;
}
