import type { ErrorCode } from '$lib/types/errors';

/** The one place that turns error codes into a short heading a person can act on. */
const TITLES: Record<ErrorCode, string> = {
	engine_unreachable: "Can't reach the model",
	engine_http: 'The model server reported an error',
	engine_auth: 'The model server refused the request',
	engine_rate_limited: 'The model server is busy',
	engine_stream_broken: 'The answer was cut off',
	engine_malformed: 'The model server sent something unreadable',
	model_not_found: 'Model not found',
	no_model: 'No model available',
	webgpu_unavailable: "This browser can't run models on the GPU",
	webgpu_device_lost: 'The GPU stopped responding',
	model_unsupported: "This device can't run that model",
	model_not_downloaded: "That model isn't downloaded yet",
	model_download_failed: "The model couldn't be downloaded",
	model_corrupt: 'The downloaded model files are damaged',
	engine_crashed: 'The in-browser engine stopped',
	context_overflow: 'The conversation is too long for this model',
	aborted: 'Stopped',
	storage_unavailable: "Hearth can't save on this device",
	quota_exceeded: 'Storage is full',
	storage_failed: "Hearth couldn't save",
	import_invalid: "That file can't be imported",
	tools_unsupported: "This model can't call tools natively",
	tool_unknown: "The model asked for a tool it can't use here",
	tool_invalid_args: "The model's tool call was malformed",
	tool_failed: 'A tool failed',
	tool_denied: 'You declined the action',
	tool_timeout: 'A tool took too long',
	tool_limit: 'Too many tool calls in one answer',
	network_blocked: 'Network access was blocked',
	network_cors: "The site doesn't let a browser app read it",
	network_failed: "The site couldn't be reached",
	content_too_large: 'That is too large to read',
	content_unreadable: "That content couldn't be read",
	python_start_failed: "Python couldn't start",
	python_error: 'The Python code raised an error',
	python_timeout: 'The Python code ran too long',
	python_memory: 'The Python code ran out of memory',
	python_crashed: 'The Python sandbox stopped',
	package_unavailable: "A Python package couldn't be loaded",
	permission_denied: 'Permission was not granted',
	path_rejected: "That path isn't allowed",
	file_not_found: 'File not found',
	file_exists: 'That file already exists',
	not_supported: "This browser can't do that",
	unknown: 'Something went wrong'
};

export function errorTitle(code: ErrorCode): string {
	return TITLES[code];
}
