/** The texts of this feature (`attendance.*`), in both languages; the i18n catalogue composes them from the registry. */
export const en = {
  attendance: {
    title: 'Attendance',
    csv: 'CSV',
    pdf: 'PDF',
    csvOf: 'Attendance of {{meeting}} as CSV',
    pdfOf: 'Attendance of {{meeting}} as PDF',
    none: 'No meetings yet.',
    ongoing: 'still going on',
    meeting: '{{start}} – {{end}} ({{count}} people)',
    toggle: 'Attendance',
    toggleFor: 'Attendance of {{name}}',
  },
};

export const de: typeof en = {
  attendance: {
    title: 'Anwesenheit',
    csv: 'CSV',
    pdf: 'PDF',
    csvOf: 'Anwesenheit {{meeting}} als CSV',
    pdfOf: 'Anwesenheit {{meeting}} als PDF',
    none: 'Noch keine Sitzungen.',
    ongoing: 'läuft noch',
    meeting: '{{start}} – {{end}} ({{count}} Personen)',
    toggle: 'Anwesenheit',
    toggleFor: 'Anwesenheit von {{name}}',
  },
};
