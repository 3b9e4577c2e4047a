import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { HearthError } from '$lib/types/errors';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../node/paths';

/** The API token's file in Hearth's config folder. */
export function tokenFile(configDir: string): string {
	return path.join(configDir, 'api-token');
}

/**
 * The API's bearer token: read from `file`, or created there on first run (0600, its folder
 * 0700). An existing file with a wider mode is narrowed: the token is as good as a password.
 */
export async function loadOrCreateToken(
	file: string
): Promise<{ token: string; created: boolean }> {
	await ensurePrivateDir(path.dirname(file));
	try {
		// `wx`: never overwrite a token another process wrote a moment ago.
		const handle = await open(file, 'wx', PRIVATE_FILE_MODE);
		const token = `hearth_${randomBytes(32).toString('base64url')}`;
		try {
			await handle.writeFile(`${token}\n`);
		} finally {
			await handle.close();
		}
		return { token, created: true };
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw tokenError(file, e);
	}
	await chmod(file, PRIVATE_FILE_MODE);
	const token = (await readFile(file, 'utf8').catch((e: unknown) => tokenError(file, e))).trim();
	if (token.length < 16) {
		throw new HearthError(
			'permission_denied',
			`The API token in ${file} is empty or too short. Delete the file and Hearth makes a new one.`
		);
	}
	return { token, created: false };
}

function tokenError(file: string, cause: unknown): never {
	throw new HearthError(
		'storage_failed',
		`The API token file ${file} could not be read or written: ${cause instanceof Error ? cause.message : String(cause)}`,
		{ cause }
	);
}

/**
 * For one token, a check that an Authorization header carries exactly `Bearer <token>`. Both
 * sides are hashed so the comparison takes the same time whatever the length or the first wrong
 * byte; the token's own hash is made once (every API call is checked against it).
 */
export function bearerCheck(token: string): (header: string | undefined) => boolean {
	const expected = createHash('sha256').update(token).digest();
	return (header) => {
		const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
		const given = createHash('sha256')
			.update(match?.[1] ?? '')
			.digest();
		return timingSafeEqual(given, expected) && match !== null;
	};
}
