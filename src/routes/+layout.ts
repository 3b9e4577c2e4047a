// A static app: the one page is pre-rendered with the app's frame (ShellFrame.svelte) so the first
// paint needs no JavaScript, then hydrates; the app itself starts in the browser only (AppRoot).
// The service worker serves this HTML offline.
export const ssr = true;
export const prerender = true;
