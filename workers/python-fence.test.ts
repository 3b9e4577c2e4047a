import { describe, expect, it } from 'vitest';
import { FENCE_PROBES, openRoutes, type FenceProbe, type FenceScope } from '$workers/python-fence';

// The fence check's bookkeeping with a stand-in scope that reports violations the way a browser
// does (a securitypolicyviolation event per blocked attempt, delivered as a later task). The real
// policy is checked in Chromium by tests/e2e/python-fence.spec.ts.

type Listener = (event: Event) => void;

function scopeReporting(blocked: (probe: FenceProbe) => boolean) {
	const listeners = new Set<Listener>();
	const tried: string[] = [];
	const scope = {
		addEventListener: (_type: string, l: Listener) => listeners.add(l),
		removeEventListener: (_type: string, l: Listener) => listeners.delete(l)
	} as unknown as FenceScope;
	const probes = FENCE_PROBES.map((probe): FenceProbe => ({
		...probe,
		attempt: () => {
			tried.push(probe.route);
			if (!blocked(probe)) return;
			const event = Object.assign(new Event('securitypolicyviolation'), {
				effectiveDirective:
					probe.directive === 'script-src' && probe.blocked !== 'eval'
						? 'script-src-elem'
						: probe.directive,
				blockedURI: probe.blocked === 'data' ? 'data' : `${probe.blocked}/x`
			});
			setTimeout(() => listeners.forEach((l) => l(event)), 5);
			throw new TypeError('refused');
		}
	}));
	return { scope, probes, tried, listeners };
}

describe('openRoutes', () => {
	it('is empty when the browser reports every route blocked', async () => {
		const { scope, probes, listeners } = scopeReporting(() => true);
		expect(await openRoutes(scope, probes, 500)).toEqual([]);
		expect(listeners.size).toBe(0);
	});

	it('names a route that failed without a report (a host policy that allows it)', async () => {
		const { scope, probes } = scopeReporting(
			(p) => p.route !== 'a dynamic import() of another host'
		);
		expect(await openRoutes(scope, probes, 200)).toEqual(['a dynamic import() of another host']);
	});

	it('does not try the network probes while a local route is open (no policy at all)', async () => {
		const { scope, probes, tried } = scopeReporting(() => false);
		const open = await openRoutes(scope, probes, 100);
		expect(open).toHaveLength(FENCE_PROBES.length);
		expect(tried).not.toContain('fetch() to another host');
		expect(tried).not.toContain('a dynamic import() of another host');
	});

	it('probes only a name that can never resolve', () => {
		for (const probe of FENCE_PROBES.filter((p) => p.network)) {
			expect(probe.blocked).toMatch(/\.invalid$/);
		}
	});
});
