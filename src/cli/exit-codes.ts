// What `hearth` exits with: scripts can tell a bad question from a broken setup.
import { toHearthError } from '$lib/types/errors';

/** What `hearth` exits with: scripts can tell a bad question from a broken setup. */
export const EXIT = {
	ok: 0,
	/** The answer failed (the engine stopped, the model errored). */
	failed: 1,
	/** The command line was wrong, or the input could not be used (too large, empty). */
	usage: 2,
	/** config.yaml has mistakes (each printed with its line and column). */
	config: 3,
	/** No engine or model is ready (nothing to answer with). */
	noEngine: 4,
	/** The store or a file could not be read or written. */
	storage: 5,
	/** Stopped with Ctrl-C. */
	interrupted: 130
} as const;

/** The exit code a failure maps to. */
export function exitCodeFor(e: unknown): number {
	const code = toHearthError(e).code;
	if (code === 'import_invalid') return EXIT.config;
	const noEngine = [
		'no_model',
		'model_not_found',
		'model_not_downloaded',
		'model_corrupt',
		'model_unsupported',
		'engine_unreachable'
	];
	if (noEngine.includes(code)) return EXIT.noEngine;
	if (code === 'aborted') return EXIT.interrupted;
	if (code === 'content_too_large') return EXIT.usage;
	if (code.startsWith('storage') || code === 'quota_exceeded') return EXIT.storage;
	return EXIT.failed;
}
