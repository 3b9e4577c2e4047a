// How every browser run here starts Debian's Chromium (tests and benches share it).
// Never a Playwright browser download: those cannot be fetched on these machines.

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Without the networking flags Chromium floods the closed network; WebGPU runs on SwiftShader. */
export const CHROMIUM_ARGS = [
	'--headless=new',
	'--no-sandbox',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--enable-unsafe-webgpu'
];
