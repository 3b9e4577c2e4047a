import { GlobalWorkerOptions } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { expect, it } from 'vitest';
import { loadBrowserPdfjs } from './pdf-browser';

// The browser wiring: pdfjs gets its worker from a same-origin path that Vite serves and copies
// into the build, never a CDN, and from the same (legacy) build as the library.
it('points pdfjs at the worker from our own origin', async () => {
	const lib = await loadBrowserPdfjs();
	expect(typeof lib.getDocument).toBe('function');
	expect(GlobalWorkerOptions.workerSrc).toMatch(/^\/.*legacy\/build\/pdf\.worker\.min\.mjs$/);
});
