/**
 * Saves `text` as a file through a temporary `<a download>` (works offline; no server round trip).
 */
export function downloadText(filename: string, text: string, mime = 'text/plain'): void {
	const url = URL.createObjectURL(new Blob([text], { type: mime }));
	const a = document.createElement('a');
	a.href = url;
	a.download = filename;
	a.rel = 'noopener';
	a.style.display = 'none';
	document.body.append(a);
	a.click();
	a.remove();
	// Revoking at once can cancel the download in Safari and Firefox, which start it asynchronously.
	setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** The day for a file name ("2026-12-07"), in UTC like the rest of an export's dates. */
export function fileDay(ms = Date.now()): string {
	return new Date(ms).toISOString().slice(0, 10);
}
