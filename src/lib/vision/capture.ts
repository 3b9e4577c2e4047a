import { HearthError } from '$lib/types/errors';

// Camera and screen capture. The error mapping is pure (Node-tested); the rest needs a browser.

export type CaptureKind = 'camera' | 'screen';

export interface CaptureSupport {
	camera: boolean;
	screen: boolean;
}

/** What this browser can offer; a phone has no getDisplayMedia, an insecure page neither. */
export function captureSupport(
	media: Partial<Pick<MediaDevices, 'getUserMedia' | 'getDisplayMedia'>> | undefined
): CaptureSupport {
	return {
		camera: typeof media?.getUserMedia === 'function',
		screen: typeof media?.getDisplayMedia === 'function'
	};
}

/** A getUserMedia/getDisplayMedia failure (a DOMException, by its name) in plain words. */
export function captureError(e: unknown, kind: CaptureKind): HearthError {
	const name = e instanceof Error || isNamed(e) ? e.name : '';
	const what = kind === 'camera' ? 'camera' : 'screen capture';
	switch (name) {
		case 'NotAllowedError':
		case 'SecurityError':
			return new HearthError(
				'capture_denied',
				kind === 'camera'
					? 'Hearth may not use the camera. Allow it in the browser’s site settings, or choose a photo instead.'
					: 'Screen capture was cancelled or refused. Try again and pick a screen, window or tab to share.',
				{ cause: e }
			);
		case 'NotFoundError':
		case 'OverconstrainedError':
			return new HearthError(
				'not_supported',
				kind === 'camera'
					? 'No camera was found on this device.'
					: 'There is nothing to capture here.',
				{ cause: e }
			);
		case 'NotReadableError':
			return new HearthError(
				'capture_denied',
				`The ${what} is busy or blocked by the system. Close other apps using it and try again.`,
				{ cause: e }
			);
		case 'AbortError':
			return new HearthError('aborted', 'Capture stopped.', { cause: e });
		case 'TypeError':
			return notSupported(kind);
		default:
			return new HearthError('capture_denied', `The ${what} could not be started.`, { cause: e });
	}
}

export function notSupported(kind: CaptureKind): HearthError {
	return new HearthError(
		'not_supported',
		kind === 'camera'
			? 'This browser cannot use a camera here (it needs a secure https page).'
			: 'This browser cannot capture the screen (phones and some browsers cannot).'
	);
}

function isNamed(e: unknown): e is { name: string } {
	return typeof e === 'object' && e !== null && typeof (e as { name?: unknown }).name === 'string';
}

/** A file name for a captured picture, e.g. "photo 2025-01-31 14.05.09.jpg". */
export function captureName(kind: CaptureKind, at: Date, extension: 'jpg' | 'png'): string {
	const pad = (n: number) => String(n).padStart(2, '0');
	const day = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
	const time = `${pad(at.getHours())}.${pad(at.getMinutes())}.${pad(at.getSeconds())}`;
	return `${kind === 'camera' ? 'photo' : 'screenshot'} ${day} ${time}.${extension}`;
}

export function stopStream(stream: MediaStream | null | undefined): void {
	for (const track of stream?.getTracks() ?? []) track.stop();
}

/** The camera, back-facing where there is one (a phone pointed at a page or a screen). */
export async function openCamera(): Promise<MediaStream> {
	const media = globalThis.navigator?.mediaDevices;
	if (!captureSupport(media).camera) throw notSupported('camera');
	try {
		return await media.getUserMedia({
			video: {
				facingMode: { ideal: 'environment' },
				width: { ideal: 1920 },
				height: { ideal: 1080 }
			},
			audio: false
		});
	} catch (e) {
		throw captureError(e, 'camera');
	}
}

/** The frame a playing <video> shows now, as a file. */
export async function frameFile(
	video: HTMLVideoElement,
	kind: CaptureKind,
	type: 'image/jpeg' | 'image/png'
): Promise<File> {
	const { videoWidth: width, videoHeight: height } = video;
	if (width === 0 || height === 0) {
		throw new HearthError('capture_denied', 'No picture came through yet. Try again in a moment.');
	}
	const canvas = new OffscreenCanvas(width, height);
	const context = canvas.getContext('2d');
	if (!context) throw new HearthError('not_supported', 'This browser cannot draw images.');
	context.drawImage(video, 0, 0, width, height);
	// A camera photo is kept near lossless here; it is downscaled and re-encoded once, later.
	const blob = await canvas.convertToBlob({ type, quality: 0.95 });
	const name = captureName(kind, new Date(), type === 'image/png' ? 'png' : 'jpg');
	return new File([blob], name, { type });
}

/**
 * One frame of a screen, window or tab the person picks, then sharing stops at once (the
 * browser's "sharing" bar goes away). PNG, because screens are mostly text.
 */
export async function captureScreen(): Promise<File> {
	const media = globalThis.navigator?.mediaDevices;
	if (!captureSupport(media).screen) throw notSupported('screen');
	let stream: MediaStream;
	try {
		stream = await media.getDisplayMedia({ video: true, audio: false });
	} catch (e) {
		throw captureError(e, 'screen');
	}
	const video = document.createElement('video');
	try {
		video.muted = true;
		video.playsInline = true;
		video.srcObject = stream;
		await video.play();
		await nextFrame(video);
		return await frameFile(video, 'screen', 'image/png');
	} finally {
		stopStream(stream);
		video.srcObject = null;
	}
}

/** Resolves once a real frame has been presented (the first one can still be blank). */
function nextFrame(video: HTMLVideoElement): Promise<void> {
	return new Promise((resolve) => {
		const timer = setTimeout(resolve, 500);
		if ('requestVideoFrameCallback' in video) {
			video.requestVideoFrameCallback(() => {
				clearTimeout(timer);
				resolve();
			});
		}
	});
}
