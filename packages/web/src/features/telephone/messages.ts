/** The texts of this feature (`telephone.*`), in both languages; the i18n catalogue composes them from the registry. */
export const en = {
  telephone: {
    title: 'Dial in by phone',
    summary: 'Dial in by phone: {{number}}, meeting ID {{id}}, PIN {{pin}}',
    summaryNoNumber: 'Dial in by phone: meeting ID {{id}}, PIN {{pin}} (no dial-in number is configured)',
    newPin: 'New PIN',
    newPinTitle: 'Give the room a new meeting ID and PIN?',
    newPinBody: 'The current meeting ID and PIN stop working at once. Callers need the new ones; people already in the meeting stay.',
    newPinConfirm: 'New meeting ID and PIN',
    cancel: 'Cancel',
    renewed: 'New dial-in: meeting ID {{id}}, PIN {{pin}}',
    failed: 'The dial-in details could not be loaded.',
    renewFailed: 'No new PIN: {{error}}',
  },
};

export const de: typeof en = {
  telephone: {
    title: 'Einwahl per Telefon',
    summary: 'Einwahl per Telefon: {{number}}, Konferenz-ID {{id}}, PIN {{pin}}',
    summaryNoNumber: 'Einwahl per Telefon: Konferenz-ID {{id}}, PIN {{pin}} (keine Einwahlnummer eingerichtet)',
    newPin: 'Neue PIN',
    newPinTitle: 'Neue Konferenz-ID und PIN für den Raum?',
    newPinBody: 'Die bisherige Konferenz-ID und PIN gelten sofort nicht mehr. Anrufende brauchen die neuen; wer schon in der Sitzung ist, bleibt.',
    newPinConfirm: 'Neue Konferenz-ID und PIN',
    cancel: 'Abbrechen',
    renewed: 'Neue Einwahl: Konferenz-ID {{id}}, PIN {{pin}}',
    failed: 'Die Einwahldaten konnten nicht geladen werden.',
    renewFailed: 'Keine neue PIN: {{error}}',
  },
};
