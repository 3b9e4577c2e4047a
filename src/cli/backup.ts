// `hearth export [file]` and `hearth import <file>`: the web app's backup file, both ways. The
// export is written whole or not at all (a temporary file renamed over); the import shows
// progress (a bar on a terminal, a line per 10% otherwise), stops on Ctrl-C keeping nothing,
// and refuses a broken or foreign file naming the first problem, before any write.
import cliProgress from 'cli-progress';
import { randomUUID } from 'node:crypto';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseExport } from '$lib/storage/export-schema';
import { importSummary } from '$lib/storage/import-summary';
import { HearthError } from '$lib/types/errors';
import { fileDay } from '$lib/utils/download';
import { exportBackup, importBackup, readBackupFile } from '../node/sqlite-backup';
import { PRIVATE_FILE_MODE } from '../node/paths';
import type { NodeRuntime } from '../node/runtime';
import { EXIT } from './exit-codes';
import type { CliValues } from './main';
import { dim, terminalOutput, type Output } from './render';

/** A bar on a terminal; a line per tenth otherwise (a log keeps a record without redraws). */
function progress(notes: Output, label: string) {
	const bar = notes.styled
		? new cliProgress.SingleBar(
				{
					format: `${label} {bar} {percentage}% {value}/{total}`,
					stream: process.stderr,
					hideCursor: true
				},
				cliProgress.Presets.shades_classic
			)
		: null;
	let started = false;
	let lastTenth = -1;
	return {
		update(done: number, total: number) {
			if (bar) {
				if (!started) bar.start(total, done);
				else {
					bar.setTotal(total);
					bar.update(done);
				}
				started = true;
				return;
			}
			const tenth = total ? Math.floor((done / total) * 10) : 10;
			if (tenth !== lastTenth) {
				lastTenth = tenth;
				notes.write(`${label}: ${tenth * 10}%\n`);
			}
		},
		stop() {
			if (started) bar?.stop();
		}
	};
}

export async function exportCommand(
	runtime: NodeRuntime,
	args: string[],
	values: CliValues
): Promise<number> {
	const notes = terminalOutput(process.stderr);
	const target = args[0] ?? `hearth-export-${fileDay()}.json`;
	const data = exportBackup({ store: runtime.store, settings: runtime.settingsStore });
	const text = JSON.stringify(data);
	if (target === '-') {
		process.stdout.write(`${text}\n`);
		return EXIT.ok;
	}
	const file = path.resolve(target);
	const exists = await stat(file).then(
		() => true,
		() => false
	);
	if (exists && !values.force) {
		notes.write(`hearth: ${file} exists; name another file, or add --force to replace it\n`);
		return EXIT.usage;
	}
	// Written beside the target and renamed over it: a crash never leaves half a backup.
	const temporary = `${file}.${randomUUID()}.tmp`;
	try {
		await writeFile(temporary, text, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
		await rename(temporary, file);
	} catch (e) {
		await rm(temporary, { force: true });
		throw new HearthError('storage_failed', `Hearth could not write ${file}: ${String(e)}`, {
			cause: e
		});
	}
	const counts = {
		conversations: data.conversations.length,
		messages: data.messages.length,
		memories: data.knowledge?.memories.length ?? 0,
		documents: data.knowledge?.documents.length ?? 0,
		images: data.images?.length ?? 0
	};
	if (values.json) {
		process.stdout.write(
			`${JSON.stringify({ file, bytes: Buffer.byteLength(text), ...counts })}\n`
		);
	} else {
		const parts = Object.entries(counts)
			.filter(([name, n]) => n > 0 || name === 'conversations')
			.map(([name, n]) => `${n} ${name}`);
		notes.write(
			`Exported ${parts.join(', ')} to ${file} (${(Buffer.byteLength(text) / 1e6).toFixed(1)} MB).\n`
		);
	}
	return EXIT.ok;
}

export async function importCommand(
	runtime: NodeRuntime,
	args: string[],
	values: CliValues
): Promise<number> {
	const notes = terminalOutput(process.stderr);
	const file = args[0];
	if (!file) {
		notes.write('hearth: import needs a file: hearth import hearth-export-2026-12-07.json\n');
		return EXIT.usage;
	}
	const abort = new AbortController();
	const onSigint = () => abort.abort();
	process.on('SIGINT', onSigint);
	const reading = progress(notes, 'Reading');
	const writing = progress(notes, 'Importing');
	try {
		const text = await readBackupFile(file, {
			signal: abort.signal,
			// Small files are read at once: no progress to show.
			onProgress: (read, total) => total > 8 * 2 ** 20 && reading.update(read, total)
		});
		reading.stop();
		const data = parseExport(text);
		const result = await importBackup(
			{ store: runtime.store, settings: runtime.settingsStore },
			data,
			{
				signal: abort.signal,
				onProgress: (done, total) => total > 2000 && writing.update(done, total)
			}
		);
		writing.stop();
		if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
		else {
			notes.write(`${importSummary(result)}.\n`);
			if (result.messagesUpdated || result.messagesAdded) {
				notes.write(
					`Messages: ${result.messagesAdded} new, ${result.messagesUpdated} updated, ${result.messagesSkipped} already here.\n`
				);
			}
			if (result.settingsApplied) {
				notes.write(
					'Settings from the file were kept (this device had none); config.yaml still wins where it says otherwise.\n'
				);
			}
		}
		// The documents are searchable by keyword already; with a model, by meaning too.
		if (result.documentsAdded > 0) return await embedImported(runtime, notes, abort.signal);
		return EXIT.ok;
	} catch (e) {
		reading.stop();
		writing.stop();
		if (e instanceof HearthError && e.code === 'import_invalid') {
			notes.write(`hearth: ${e.message} Nothing was imported.\n`);
			return EXIT.usage;
		}
		throw e;
	} finally {
		process.off('SIGINT', onSigint);
	}
}

/** Embeds the imported passages (the import itself is kept whatever happens here). */
async function embedImported(
	runtime: NodeRuntime,
	notes: Output,
	signal: AbortSignal
): Promise<number> {
	const embedding = progress(notes, 'Embedding');
	const caught = await runtime.knowledge.catchUp({
		signal,
		onProgress: ({ done, total }) => total > 0 && embedding.update(done, total)
	});
	embedding.stop();
	if (caught === 'cancelled') {
		notes.write(
			'Embedding stopped; the import is kept and the next hearth index embeds the rest.\n'
		);
		return EXIT.interrupted;
	}
	const why = runtime.knowledge.keywordOnly;
	if (why) {
		notes.write(
			dim(
				notes,
				`Imported documents are searched by keyword: ${why}; hearth index embeds them once it is there.\n`
			)
		);
	} else if (caught > 0) {
		notes.write(dim(notes, `Embedded ${caught} imported passages for search by meaning.\n`));
	}
	return EXIT.ok;
}
