/** Every failure Hearth reports has a stable code; `utils/error-text.ts` maps codes to advice. */
export type ErrorCode =
	| 'engine_unreachable'
	| 'engine_http'
	| 'engine_auth'
	| 'engine_rate_limited'
	| 'engine_stream_broken'
	| 'engine_malformed'
	| 'model_not_found'
	| 'no_model'
	| 'webgpu_unavailable'
	| 'webgpu_device_lost'
	| 'model_unsupported'
	| 'model_not_downloaded'
	| 'model_download_failed'
	| 'model_corrupt'
	| 'engine_crashed'
	| 'out_of_memory'
	| 'context_overflow'
	| 'aborted'
	| 'storage_unavailable'
	| 'quota_exceeded'
	| 'storage_failed'
	| 'import_invalid'
	| 'tools_unsupported'
	| 'tool_unknown'
	| 'tool_invalid_args'
	| 'tool_failed'
	| 'tool_denied'
	| 'tool_timeout'
	| 'tool_limit'
	| 'network_blocked'
	| 'network_cors'
	| 'network_failed'
	| 'content_too_large'
	| 'content_unreadable'
	| 'python_start_failed'
	| 'python_error'
	| 'python_timeout'
	| 'python_memory'
	| 'python_crashed'
	/** The Python worker's safety policy is not in force (see workers/python-fence.ts). */
	| 'python_unfenced'
	| 'package_unavailable'
	| 'permission_denied'
	| 'path_rejected'
	| 'file_not_found'
	| 'file_exists'
	/** Undo refused: a file is no longer as the plan left it. */
	| 'file_changed'
	| 'not_supported'
	// Voice and vision.
	| 'microphone_denied'
	| 'microphone_missing'
	| 'microphone_busy'
	| 'speech_unavailable'
	| 'transcription_failed'
	| 'image_invalid'
	| 'image_too_large'
	| 'capture_denied'
	| 'ocr_failed'
	| 'unknown';

/** The plain-data form of an error: what crosses a worker boundary or is stored on a message. */
export interface SerializedError {
	code: ErrorCode;
	message: string;
}

export class HearthError extends Error {
	readonly code: ErrorCode;
	/** Seconds the caller should wait before retrying (HTTP Retry-After), when known. */
	readonly retryAfterSeconds?: number;
	/** The HTTP status of a failed server call, when there was one: tells a 503 from a 400. */
	readonly status?: number;

	constructor(
		code: ErrorCode,
		message: string,
		options?: { cause?: unknown; retryAfterSeconds?: number; status?: number }
	) {
		super(message, { cause: options?.cause });
		this.name = 'HearthError';
		this.code = code;
		this.retryAfterSeconds = options?.retryAfterSeconds;
		this.status = options?.status;
	}

	toJSON(): SerializedError {
		return { code: this.code, message: this.message };
	}
}

function isQuotaError(e: unknown): boolean {
	if (!(e instanceof Error)) return false;
	// Dexie wraps the DOMException; the inner one carries the name.
	const inner = (e as { inner?: unknown }).inner;
	return e.name === 'QuotaExceededError' || (inner !== undefined && isQuotaError(inner));
}

/** Normalises anything thrown (including strings, DOMExceptions and Dexie errors) to a HearthError. */
export function toHearthError(e: unknown): HearthError {
	if (e instanceof HearthError) return e;
	if (e instanceof Error && e.name === 'AbortError') return new HearthError('aborted', 'Stopped.');
	if (isQuotaError(e)) {
		return new HearthError(
			'quota_exceeded',
			'This device has run out of storage space for Hearth.',
			{ cause: e }
		);
	}
	if (e instanceof Error) return new HearthError('unknown', e.message, { cause: e });
	return new HearthError('unknown', typeof e === 'string' ? e : 'Something went wrong.');
}

/** The error every cancelled operation ends with (the user pressed stop, or the caller aborted). */
export function stopped(cause?: unknown): HearthError {
	return new HearthError('aborted', 'Stopped.', { cause });
}
