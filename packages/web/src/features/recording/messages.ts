/** The texts of this feature (`recording.*`), in both languages; the i18n catalogue composes them from the registry. */
export const en = {
  recording: {
    indicator: 'Recording',
    indicatorPaused: 'Recording paused',
    youAreRecorded: 'You are being recorded',
    youAreNotRecorded: 'You are not recorded',
    change: 'Change my answer',
    start: 'Start recording',
    stop: 'Stop recording',
    pause: 'Pause recording',
    resume: 'Resume recording',
    consentTitle: 'This meeting is being recorded',
    consentText:
      'A moderator has started a recording. Your camera picture and your voice are only recorded if you agree. You can change your answer at any time during the meeting.',
    consentYes: 'Yes, record me',
    consentNo: 'No, do not record me',
    failed: 'The recording stopped: {{reason}}',
    errorForbidden: 'Only moderators can do this.',
    errorUnavailable: 'Recording is not available on this server.',
    errorActive: 'A recording is already running.',
    announceStarted: 'Recording started.',
    announceStopped: 'Recording stopped.',
    announcePaused: 'Recording paused.',
    announceResumed: 'Recording resumed.',
  },
};

export const de: typeof en = {
  recording: {
    indicator: 'Aufnahme läuft',
    indicatorPaused: 'Aufnahme pausiert',
    youAreRecorded: 'Sie werden aufgezeichnet',
    youAreNotRecorded: 'Sie werden nicht aufgezeichnet',
    change: 'Antwort ändern',
    start: 'Aufnahme starten',
    stop: 'Aufnahme beenden',
    pause: 'Aufnahme pausieren',
    resume: 'Aufnahme fortsetzen',
    consentTitle: 'Diese Sitzung wird aufgezeichnet',
    consentText:
      'Eine Moderatorin oder ein Moderator hat eine Aufnahme gestartet. Ihr Kamerabild und Ihre Stimme werden nur aufgezeichnet, wenn Sie zustimmen. Sie können Ihre Antwort während der Sitzung jederzeit ändern.',
    consentYes: 'Ja, mich aufzeichnen',
    consentNo: 'Nein, mich nicht aufzeichnen',
    failed: 'Die Aufnahme wurde beendet: {{reason}}',
    errorForbidden: 'Nur Moderierende können das tun.',
    errorUnavailable: 'Aufnahmen sind auf diesem Server nicht verfügbar.',
    errorActive: 'Es läuft bereits eine Aufnahme.',
    announceStarted: 'Aufnahme gestartet.',
    announceStopped: 'Aufnahme beendet.',
    announcePaused: 'Aufnahme pausiert.',
    announceResumed: 'Aufnahme fortgesetzt.',
  },
};
