import type { PdfjsLib } from './parse-pdf';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';

// pdfjs in the browser parses in its own Web Worker. Vite's `?url` import copies the worker
// script into our build and gives its same-origin URL, so pdfjs never fetches it from a CDN and
// it is precached with the app. pdfjs itself is imported on first use: most sessions never open a
// PDF, and it is ~1 MB.

export async function loadBrowserPdfjs(): Promise<PdfjsLib> {
	const lib = await import('pdfjs-dist');
	if (!lib.GlobalWorkerOptions.workerSrc) lib.GlobalWorkerOptions.workerSrc = workerUrl;
	return lib;
}
