import { sveltekit } from '@sveltejs/kit/vite';
import { SvelteKitPWA } from '@vite-pwa/sveltekit';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [
		sveltekit(),
		SvelteKitPWA({
			strategies: 'generateSW',
			registerType: 'prompt',
			injectRegister: false,
			manifest: {
				name: 'Hearth — private AI assistant',
				short_name: 'Hearth',
				description: 'A private AI assistant that runs on your device.',
				start_url: '/',
				scope: '/',
				display: 'standalone',
				background_color: '#1c1917',
				theme_color: '#c2410c',
				icons: [
					{ src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
					{ src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
					{
						src: '/icons/maskable-192.png',
						sizes: '192x192',
						type: 'image/png',
						purpose: 'maskable'
					},
					{
						src: '/icons/maskable-512.png',
						sizes: '512x512',
						type: 'image/png',
						purpose: 'maskable'
					}
				]
			},
			workbox: {
				globPatterns: [
					'client/**/*.{js,css,html,ico,png,svg,webmanifest,woff2}',
					'prerendered/**/*.html'
				],
				// The in-browser engine (web-llm, ~6 MB) is not precached: most visits never need it.
				// It is cached on first use (opening Models starts it), so a downloaded model still
				// loads with the network off.
				globIgnores: ['**/workers/llm.worker-*.js'],
				runtimeCaching: [
					{
						urlPattern: ({ url }) => url.pathname.includes('/_app/immutable/workers/'),
						handler: 'CacheFirst',
						options: { cacheName: 'hearth-runtimes', expiration: { maxEntries: 20 } }
					}
				],
				navigateFallback: '/',
				cleanupOutdatedCaches: true
			}
		})
	],
	worker: { format: 'es' },
	test: {
		include: ['src/**/*.test.ts', 'workers/**/*.test.ts', 'tests/fixtures/*.test.ts'],
		environment: 'node'
	}
});
