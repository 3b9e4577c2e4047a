import { HearthError } from '$lib/types/errors';

// The reasons ingest gives for a file it cannot index. Every failure leaving ingest is one of
// these HearthErrors, so the per-file error list can show the message as it is.

export function throwIfAborted(signal: AbortSignal | undefined): void {
	if (signal?.aborted) throw new HearthError('aborted', 'Stopped.');
}

export function unreadable(name: string, reason: string, cause?: unknown): HearthError {
	return new HearthError('content_unreadable', `Could not read ${name}: ${reason}`, { cause });
}

export function unsupported(name: string, reason: string): HearthError {
	return new HearthError(
		'not_supported',
		`${name} cannot be indexed. ${reason} Hearth reads text, Markdown, code, PDF, Word (.docx), HTML, CSV and JSON files.`
	);
}

export function tooLarge(name: string, size: number, limit: number): HearthError {
	const mb = (n: number) => `${Math.round(n / (1024 * 1024))} MB`;
	return new HearthError(
		'content_too_large',
		`${name} is ${mb(size)}; files of this kind can be indexed up to ${mb(limit)}. Split it into smaller files.`
	);
}
