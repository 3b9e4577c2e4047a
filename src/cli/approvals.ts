// Tool approvals in the terminal: a y/N question showing exactly what will run. Anything but a
// yes is a no, and with no one to ask (stdin is not a terminal, --json) the answer is no, so a
// side-effect tool never runs unasked. An allowlisted run_command with nothing untrusted before
// it runs without asking (config.yaml commands.allow).
import type { ToolApprovals } from '$lib/conversation/ports';
import type { ToolCallRecord } from '$lib/types/tools';
import type { ToolsPolicy } from '../node/runtime';
import { bold, dim, type Output } from './render';

/** Asks one question and resolves with the line typed; null when input ended. */
export type AskLine = (question: string) => Promise<string | null>;

function described(record: ToolCallRecord): string {
	const what = record.confirmation ?? `${record.name} ${JSON.stringify(record.args)}`;
	const why = record.tainted
		? ' (asked because text that is not yours, such as a page or a file, came before it)'
		: '';
	return `${what}${why}`;
}

export function isYes(line: string | null): boolean {
	return line !== null && /^\s*(y|yes)\s*$/i.test(line);
}

export function terminalApprovals(
	policy: ToolsPolicy,
	notes: Output,
	ask: AskLine | null
): ToolApprovals {
	return {
		async confirm(record) {
			if (policy.preApproved(record)) {
				notes.write(dim(notes, `✓ allowlisted: ${described(record)}\n`));
				return true;
			}
			if (!ask) {
				notes.write(
					`✗ Not run (no terminal to ask): ${described(record)}\n` +
						dim(
							notes,
							'  Run hearth in a terminal, or allowlist it in config.yaml (commands.allow).\n'
						)
				);
				return false;
			}
			const answer = await ask(`${bold(notes, '?')} ${described(record)}\n  Allow? [y/N] `);
			const yes = isYes(answer);
			if (!yes) notes.write(dim(notes, '  Not allowed.\n'));
			return yes;
		},
		async ask(record, question) {
			if (!ask) return false;
			return isYes(await ask(`${bold(notes, '?')} ${record.name}: ${question} [y/N] `));
		}
	};
}
