import type { ImportResult } from '$lib/storage/export';

// What an import did, in one sentence: Settings → Data in the browser, `hearth import` in the
// terminal.

/** "Imported 2 new and 1 updated conversations (3 already up to date), 4 memories". */
export function importSummary(result: ImportResult): string {
	return (
		`Imported ${result.conversationsAdded} new and ${result.conversationsUpdated} updated conversations` +
		(result.conversationsSkipped ? ` (${result.conversationsSkipped} already up to date)` : '') +
		(result.memoriesAdded ? `, ${result.memoriesAdded} memories` : '') +
		(result.documentsAdded ? `, ${result.documentsAdded} documents` : '') +
		(result.imagesAdded ? `, ${result.imagesAdded} images` : '') +
		(result.feedbackAdded ? `, ${result.feedbackAdded} answer ratings` : '') +
		(result.evalSetsAdded ? `, ${result.evalSetsAdded} eval sets` : '')
	);
}
