import type { PdfjsLib } from './parse-pdf';
import workerUrl from 'pdfjs-dist/legacy/build/pdf.worker.min.mjs?url';

// pdfjs in the browser parses in its own Web Worker. Vite's `?url` import copies the worker
// script into our build and gives its same-origin URL, so pdfjs never fetches it from a CDN and
// the service worker can cache it with the app. pdfjs is imported on first use: most sessions
// never open a PDF, and it is ~1 MB.
// The legacy build, because pdfjs 5.6's modern build calls ES2026 methods such as
// Map.prototype.getOrInsertComputed without a fallback, which current Safari and older Chromium
// lack; the legacy build carries polyfills. Library and worker must come from the same build.

export async function loadBrowserPdfjs(): Promise<PdfjsLib> {
	const lib = await import('pdfjs-dist/legacy/build/pdf.mjs');
	lib.GlobalWorkerOptions.workerSrc = workerUrl;
	return lib;
}
