import { HearthError } from '$lib/types/errors';

export function abortedError(): HearthError {
	return new HearthError('aborted', 'Stopped.');
}

export function throwIfAborted(signal: AbortSignal): void {
	if (signal.aborted) throw abortedError();
}

/**
 * Settles with `promise`, or rejects with HearthError('aborted') as soon as `signal` aborts: a
 * tool or a confirmation dialog that ignores its signal still cannot hold the answer hostage.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
	if (signal.aborted) {
		promise.catch(() => undefined);
		return Promise.reject(abortedError());
	}
	return new Promise<T>((resolve, reject) => {
		const onAbort = () => reject(abortedError());
		signal.addEventListener('abort', onAbort, { once: true });
		promise.then(
			(value) => {
				signal.removeEventListener('abort', onAbort);
				resolve(value);
			},
			(error: unknown) => {
				signal.removeEventListener('abort', onAbort);
				reject(error);
			}
		);
	});
}
