// Applies the saved theme before first paint (no flash of the wrong theme). An external file,
// not an inline script, so the Content-Security-Policy can forbid inline scripts.
// settings.svelte.ts keeps the 'hearth.theme' key in sync.
try {
	const theme = localStorage.getItem('hearth.theme');
	if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
} catch {
	// Storage blocked: the system theme applies.
}
