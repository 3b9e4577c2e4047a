// Whether this browser has ever found an engine. static/before-paint.js reads the same key before
// the first paint and marks <html data-first-run>, so the pre-rendered frame and the live shell
// show the first-run card from the first paint (it is the page's largest text: its paint time is
// the LCP) instead of after the engine probes.

/** Kept in sync with static/before-paint.js. */
export const ENGINE_FOUND_KEY = 'hearth.engine-found';

/** The heading and opening line of the first-run card, shared by the frame and the live card. */
export const FIRST_RUN_TITLE = 'Get your first answer';
export const FIRST_RUN_INTRO =
	'Hearth answers with an AI model that runs privately, in this browser or on a computer you ' +
	'choose. Nothing you write leaves your devices unless you ask.';
/** Shown in the card while the engines are being looked for. */
export const FIRST_RUN_LOOKING = 'Looking for a model that can answer here…';

/** True when the page was marked before paint as a first run (no engine ever found here). */
export function expectsFirstRun(root: HTMLElement): boolean {
	return root.dataset.firstRun !== undefined;
}

/** Remembers that an engine answered, so later visits do not lead with the first-run card. */
export function rememberEngineFound(storage: Pick<Storage, 'setItem'> | undefined): void {
	try {
		storage?.setItem(ENGINE_FOUND_KEY, '1');
	} catch {
		// Storage blocked or full: the card shows again next time until the probes finish.
	}
}
