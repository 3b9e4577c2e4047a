// A static, client-only app: the prerendered page is an empty shell the service worker can serve offline.
export const ssr = false;
export const prerender = true;
