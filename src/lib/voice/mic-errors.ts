import { HearthError } from '$lib/types/errors';

// getUserMedia fails with DOMException names; each becomes a code and a sentence that says what
// the person can do about it.

/** The error for a failed getUserMedia call (anything else becomes a HearthError as is). */
export function micError(e: unknown): HearthError {
	if (e instanceof HearthError) return e;
	const name = e instanceof Error || isNamed(e) ? e.name : '';
	switch (name) {
		case 'NotAllowedError':
		case 'PermissionDeniedError':
		case 'SecurityError':
			return new HearthError(
				'microphone_denied',
				"Hearth isn't allowed to use the microphone. Allow the microphone in the address bar's site settings, then try again.",
				{ cause: e }
			);
		case 'NotFoundError':
		case 'DevicesNotFoundError':
		case 'OverconstrainedError':
		case 'ConstraintNotSatisfiedError':
			return new HearthError(
				'microphone_missing',
				'No microphone was found. Connect one (or check that it is switched on), then try again.',
				{ cause: e }
			);
		case 'NotReadableError':
		case 'TrackStartError':
		case 'AbortError':
			return new HearthError(
				'microphone_busy',
				'The microphone could not be started: another app or tab may be using it. Close it, then try again.',
				{ cause: e }
			);
		default:
			return new HearthError(
				'microphone_busy',
				`The microphone could not be started (${describe(e)}). Try again, or check the browser's microphone settings.`,
				{ cause: e }
			);
	}
}

function isNamed(e: unknown): e is { name: string } {
	return typeof e === 'object' && e !== null && typeof (e as { name?: unknown }).name === 'string';
}

function describe(e: unknown): string {
	if (e instanceof Error) return e.message || e.name;
	return typeof e === 'string' ? e : 'unknown error';
}

export interface MicEnvironment {
	isSecureContext?: boolean;
	mediaDevices?: { getUserMedia?: unknown } | undefined;
}

/** Null when this page can ask for the microphone; otherwise why not (not_supported). */
export function micSupport(env: MicEnvironment): HearthError | null {
	if (env.isSecureContext === false) {
		return new HearthError(
			'not_supported',
			'The microphone only works when Hearth is opened over https:// or from localhost.'
		);
	}
	if (!env.mediaDevices || typeof env.mediaDevices.getUserMedia !== 'function') {
		return new HearthError(
			'not_supported',
			"This browser can't record from a microphone here. Try a current Chrome, Edge, Firefox or Safari."
		);
	}
	return null;
}
