import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	compilerOptions: { runes: true },
	kit: {
		// One prerendered shell; the service worker serves it for every navigation offline.
		adapter: adapter({ pages: 'build', assets: 'build', fallback: undefined, strict: true }),
		serviceWorker: { register: false },
		alias: { $workers: 'workers' },
		// workers/ sits beside src/: without this its files (tests included) are never type-checked.
		typescript: {
			config: (config) => ({ ...config, include: [...config.include, '../workers/**/*.ts'] })
		},
		// Defence in depth for untrusted model output: no inline or foreign scripts, no plugins,
		// no framing. connect-src stays open because the engine address is the user's choice
		// (a LAN box); images load only when the user clicks one.
		csp: {
			mode: 'hash',
			directives: {
				'default-src': ['self'],
				'script-src': ['self', 'wasm-unsafe-eval'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:', 'blob:', 'https:', 'http:'],
				'font-src': ['self', 'data:'],
				'connect-src': ['*'],
				'worker-src': ['self', 'blob:'],
				'manifest-src': ['self'],
				'object-src': ['none'],
				'base-uri': ['none'],
				'form-action': ['none'],
				'frame-src': ['none']
			}
		}
	}
};

export default config;
