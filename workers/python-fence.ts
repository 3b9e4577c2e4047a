// Checks, inside the Python worker and before Pyodide loads, that the worker's own
// Content-Security-Policy (scripts/worker-policy.js) is in force. That policy arrives with the
// worker's script: from scripts/serve.js, the Vite servers, or the service worker's cached copy.
// A static host that sends no headers, on a first visit before the service worker controls the
// page, delivers none: then Python is refused (fail closed) rather than run unfenced.
//
// Each probe tries a route the policy must close, aimed at a name that can never resolve
// (`.invalid`, RFC 6761), and the fence counts as up only when the browser reports a violation
// of the right directive for every one of them. A route that failed for another reason (no DNS
// answer) proves nothing, so it counts as open.

/** A route the policy must close, and the violation report that proves it closed. */
export interface FenceProbe {
	route: string;
	directive: 'script-src' | 'connect-src' | 'worker-src';
	/** What the report's blockedURI starts with ('eval', 'data', 'blob' or the URL). */
	blocked: string;
	/** Tried only once every local probe was reported blocked, so an open fence sends nothing. */
	network?: true;
	attempt(scope: FenceScope): void | Promise<unknown>;
}

/** The parts of a worker's global scope the probes use. */
export interface FenceScope {
	addEventListener(type: 'securitypolicyviolation', listener: (event: Event) => void): void;
	removeEventListener(type: 'securitypolicyviolation', listener: (event: Event) => void): void;
	fetch(url: string): Promise<unknown>;
	Worker: new (
		url: string | URL,
		options?: { type?: 'module' | 'classic' }
	) => {
		terminate(): void;
	};
	Blob: typeof Blob;
	URL: typeof URL;
	Function: FunctionConstructor;
}

/** Never resolves, by definition (RFC 6761): a probe that gets through reaches nobody. */
export const PROBE_ORIGIN = 'https://hearth-fence-probe.invalid';

/** The routes checked, one per kind of directive the policy sets. */
export const FENCE_PROBES: readonly FenceProbe[] = [
	{
		route: 'a dynamic import() of another host',
		directive: 'script-src',
		blocked: PROBE_ORIGIN,
		network: true,
		attempt: () => import(/* @vite-ignore */ `${PROBE_ORIGIN}/probe.mjs`)
	},
	{
		route: 'a data: module',
		directive: 'script-src',
		blocked: 'data',
		attempt: () => import(/* @vite-ignore */ 'data:text/javascript,export default 1')
	},
	{
		route: 'evaluating a string as code',
		directive: 'script-src',
		blocked: 'eval',
		attempt: (scope) => {
			scope.Function('return 1')();
		}
	},
	{
		route: 'fetch() to another host',
		directive: 'connect-src',
		blocked: PROBE_ORIGIN,
		network: true,
		attempt: (scope) => scope.fetch(`${PROBE_ORIGIN}/probe`)
	},
	{
		route: 'a nested worker',
		directive: 'worker-src',
		blocked: 'blob',
		attempt: (scope) => {
			const url = scope.URL.createObjectURL(new scope.Blob([''], { type: 'text/javascript' }));
			const worker = new scope.Worker(url);
			worker.terminate();
			scope.URL.revokeObjectURL(url);
		}
	}
];

/** How long to wait for the browser's violation reports (they are queued as tasks). */
const REPORT_WAIT_MS = 2000;

interface Violation {
	directive: string;
	blocked: string;
}

/** The directive a violation event names, reduced to the policy's own names. */
function directiveOf(event: Event): Violation | undefined {
	const e = event as Event & { effectiveDirective?: string; blockedURI?: string };
	if (typeof e.effectiveDirective !== 'string') return undefined;
	// script-src-elem (an import) and script-src (eval) both fall back to script-src here.
	const directive = e.effectiveDirective.startsWith('script-src')
		? 'script-src'
		: e.effectiveDirective;
	return { directive, blocked: e.blockedURI ?? '' };
}

function reported(probe: FenceProbe, seen: readonly Violation[]): boolean {
	return seen.some((v) => v.directive === probe.directive && v.blocked.startsWith(probe.blocked));
}

async function tryAll(
	scope: FenceScope,
	probes: readonly FenceProbe[],
	seen: readonly Violation[],
	waitMs: number
): Promise<string[]> {
	for (const probe of probes) {
		try {
			await probe.attempt(scope);
		} catch {
			// Refused: whether by the policy is what the reports say.
		}
	}
	const deadline = Date.now() + waitMs;
	while (!probes.every((p) => reported(p, seen)) && Date.now() < deadline) {
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	return probes.filter((p) => !reported(p, seen)).map((p) => p.route);
}

/**
 * Tries every probe and returns the routes the browser did not report blocked: empty when the
 * fence is up. The local probes go first; when one of them is open the network ones are not
 * tried (and count as open). Never throws.
 */
export async function openRoutes(
	scope: FenceScope,
	probes: readonly FenceProbe[] = FENCE_PROBES,
	waitMs = REPORT_WAIT_MS
): Promise<string[]> {
	const seen: Violation[] = [];
	const listener = (event: Event) => {
		const violation = directiveOf(event);
		if (violation) seen.push(violation);
	};
	scope.addEventListener('securitypolicyviolation', listener);
	try {
		const local = probes.filter((p) => !p.network);
		const network = probes.filter((p) => p.network);
		const open = await tryAll(scope, local, seen, waitMs);
		if (open.length > 0) return [...open, ...network.map((p) => p.route)];
		return await tryAll(scope, network, seen, waitMs);
	} finally {
		scope.removeEventListener('securitypolicyviolation', listener);
	}
}
