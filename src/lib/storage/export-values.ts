import * as v from 'valibot';
import { ERROR_CODES } from '$lib/types/error-codes';

// Value checks the backup format's schemas share.

/** The latest time a Date can hold (ms since 1970); anything later cannot be shown or sorted. */
export const MAX_TIME = 8.64e15;

export const Finite = v.pipe(v.number(), v.finite());

/**
 * A time from a backup: checked on the way in, so a damaged or hand-made file (a date of 1e300)
 * is refused with its place named instead of breaking the screens that show it.
 */
export const Timestamp = v.pipe(
	v.number(),
	v.finite(),
	v.minValue(0, 'Expected a time after 1970'),
	v.maxValue(MAX_TIME, 'Expected a time a date can hold')
);

export const SerializedErrorSchema = v.object({
	// A code this version does not know (a newer Hearth's) is still an error worth keeping.
	code: v.fallback(v.picklist(ERROR_CODES), 'unknown'),
	message: v.string()
});
