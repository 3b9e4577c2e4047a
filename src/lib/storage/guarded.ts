import { toHearthError } from '$lib/types/errors';

/** Runs a storage call so that any failure leaves as a coded HearthError (quota_exceeded above all). */
export async function guarded<T>(work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (e) {
		throw toHearthError(e);
	}
}
