/** The texts of this feature (`hands.*`), in both languages; the i18n catalogue composes them from the registry. */
export const en = {
  hands: {
    raise: 'Raise hand',
    raised: 'Hand raised',
    title: 'Raised hands',
    none: 'No hands raised.',
    you: '{{name}} (you)',
    unknown: 'Unknown participant',
    lower: 'Lower',
    lowerOf: 'Lower hand of {{name}}',
    lowerAll: 'Lower all',
    allow: 'Participants may raise their hand',
    disabledNotice: 'Raising hands is switched off.',
    announceRaised: '{{name}} raised a hand',
    announceLowered: 'A moderator lowered your hand.',
    announceEnabled: 'Raising hands was switched on.',
    announceDisabled: 'Raising hands was switched off.',
  },
};

export const de: typeof en = {
  hands: {
    raise: 'Hand heben',
    raised: 'Hand gehoben',
    title: 'Wortmeldungen',
    none: 'Keine Wortmeldungen.',
    you: '{{name}} (Sie)',
    unknown: 'Unbekannte Person',
    lower: 'Senken',
    lowerOf: 'Hand von {{name}} senken',
    lowerAll: 'Alle senken',
    allow: 'Teilnehmende dürfen die Hand heben',
    disabledNotice: 'Handheben ist ausgeschaltet.',
    announceRaised: '{{name}} hat die Hand gehoben',
    announceLowered: 'Die Moderation hat Ihre Hand gesenkt.',
    announceEnabled: 'Handheben wurde eingeschaltet.',
    announceDisabled: 'Handheben wurde ausgeschaltet.',
  },
};
