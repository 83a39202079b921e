/** The texts of this feature (`telephone.*`), in both languages; the i18n catalogue composes them from the registry. */
export const en = {
  telephone: {
    title: 'Dial in by phone',
    /** Under the title "Dial in by phone": together they read "Dial in by phone: <number>, meeting ID <id>, PIN <pin>". */
    line: '{{number}}, meeting ID {{id}}, PIN {{pin}}',
    lineNoNumber: 'Meeting ID {{id}}, PIN {{pin}} (no dial-in number is configured)',
    newPin: 'New PIN',
    newPinTitle: 'Give the room a new meeting ID and PIN?',
    newPinBody: 'The current meeting ID and PIN stop working at once. Callers need the new ones; people already in the meeting stay.',
    newPinConfirm: 'New meeting ID and PIN',
    cancel: 'Cancel',
    renewed: 'The new meeting ID and PIN apply now; the old ones no longer work.',
    failed: 'The dial-in details could not be loaded.',
    renewFailed: 'No new PIN: {{error}}',
  },
};

export const de: typeof en = {
  telephone: {
    title: 'Einwahl per Telefon',
    line: '{{number}}, Konferenz-ID {{id}}, PIN {{pin}}',
    lineNoNumber: 'Konferenz-ID {{id}}, PIN {{pin}} (keine Einwahlnummer eingerichtet)',
    newPin: 'Neue PIN',
    newPinTitle: 'Neue Konferenz-ID und PIN für den Raum?',
    newPinBody: 'Die bisherige Konferenz-ID und PIN gelten sofort nicht mehr. Anrufende brauchen die neuen; wer schon in der Sitzung ist, bleibt.',
    newPinConfirm: 'Neue Konferenz-ID und PIN',
    cancel: 'Abbrechen',
    renewed: 'Die neue Konferenz-ID und PIN gelten ab sofort; die alten nicht mehr.',
    failed: 'Die Einwahldaten konnten nicht geladen werden.',
    renewFailed: 'Keine neue PIN: {{error}}',
  },
};
