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
	unknown: 'Something went wrong'
};

export function errorTitle(code: ErrorCode): string {
	return TITLES[code];
}
