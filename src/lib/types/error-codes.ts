import type { ErrorCode } from '$lib/types/errors';

/**
 * Every error code, as a value: what data from outside (a backup file, a worker's message) may
 * name. Anything else is refused or read as 'unknown'.
 */
export const ERROR_CODES = [
	'engine_unreachable',
	'engine_http',
	'engine_auth',
	'engine_rate_limited',
	'engine_stream_broken',
	'engine_malformed',
	'model_not_found',
	'no_model',
	'webgpu_unavailable',
	'webgpu_device_lost',
	'model_unsupported',
	'model_not_downloaded',
	'model_download_failed',
	'model_corrupt',
	'engine_crashed',
	'out_of_memory',
	'context_overflow',
	'aborted',
	'storage_unavailable',
	'quota_exceeded',
	'storage_failed',
	'import_invalid',
	'tools_unsupported',
	'tool_unknown',
	'tool_invalid_args',
	'tool_failed',
	'tool_denied',
	'tool_timeout',
	'tool_limit',
	'network_blocked',
	'network_cors',
	'network_failed',
	'content_too_large',
	'content_unreadable',
	'python_start_failed',
	'python_error',
	'python_timeout',
	'python_memory',
	'python_crashed',
	'python_unfenced',
	'package_unavailable',
	'permission_denied',
	'path_rejected',
	'file_not_found',
	'file_exists',
	'file_changed',
	'not_supported',
	'microphone_denied',
	'microphone_missing',
	'microphone_busy',
	'speech_unavailable',
	'transcription_failed',
	'image_invalid',
	'image_too_large',
	'capture_denied',
	'ocr_failed',
	'unknown'
] as const satisfies readonly ErrorCode[];
// Fails to compile when a code is added to ErrorCode but not here.
const _allCodesListed: Exclude<ErrorCode, (typeof ERROR_CODES)[number]> extends never
	? true
	: never = true;
void _allCodesListed;
