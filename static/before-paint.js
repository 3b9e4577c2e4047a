// Runs before first paint, so nothing flashes or moves once the app starts:
// - the saved theme (settings.svelte.ts keeps the 'hearth.theme' key in sync);
// - whether this browser has ever found an engine ('hearth.engine-found', written by
//   src/lib/onboarding/first-visit.ts): until it has, the pre-rendered frame shows the first-run
//   card at once instead of after the engine probes.
// An external file, not an inline script, so the Content-Security-Policy can forbid inline scripts.
try {
	const theme = localStorage.getItem('hearth.theme');
	if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
	if (localStorage.getItem('hearth.engine-found') !== '1') {
		document.documentElement.dataset.firstRun = '';
	}
} catch {
	// Storage blocked: the system theme applies, and the first-run card waits for the probes.
}
