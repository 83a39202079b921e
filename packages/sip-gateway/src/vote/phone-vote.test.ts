// The voting dialogue on fake ports and a fake clock: every branch — menu per vote type, read-back, change,
// confirm, the server's answers (counted, receipt token and *0, each refusal code), a vote that ends meanwhile,
// *6/*9 passing through, and callers who are not eligible.
import type { LegalVoteYou } from '@plenum/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Digit } from '../rtp/dtmf.ts';
import type { Language } from '../ivr/prompts.ts';
import { MAX_SPEECH_CHARS } from '../ivr/tts.ts';
import { PhoneVote, spellToken, type OpenVote, type Speech } from './phone-vote.ts';

const VOTE_ID = '5d7a3c0e-1f1b-4a43-9d1e-0c8b7a6f5e4d';
const you = (over: Partial<LegalVoteYou> = {}): LegalVoteYou => ({ eligible: true, voter_id: 'participant:p1', proxy_for: [], voted: [], ...over });
const yesNo = (abstain = true, over: Partial<LegalVoteYou> = {}): OpenVote => ({
  vote: {
    id: VOTE_ID,
    title: 'Haushalt 2027',
    kind: 'roll_call',
    allow_abstain: abstain,
    max_choices: 1,
    options: [{ id: 'yes', label: 'Yes' }, { id: 'no', label: 'No' }, ...(abstain ? [{ id: 'abstain', label: 'Abstain' }] : [])],
  },
  you: you(over),
});
const candidates = (n: number, abstain = true, maxChoices = 1): OpenVote => ({
  vote: {
    id: VOTE_ID,
    title: 'Wahl des Vorsitzes',
    kind: 'pseudonymous',
    allow_abstain: abstain,
    max_choices: maxChoices,
    options: [...Array.from({ length: n }, (_, i) => ({ id: `c${i + 1}`, label: `Kandidat ${i + 1}` })), ...(abstain ? [{ id: 'abstain', label: 'Abstain' }] : [])],
  },
  you: you(),
});

const show = (s: Speech): string => ('prompt' in s ? s.prompt : `"${s.text}"`);

function harness(language: Language = 'en') {
  const said: { items: string[]; interrupt: boolean }[] = [];
  const sent: { vote_id: string; choices: string[]; on_behalf_of?: string }[] = [];
  const dialogue = new PhoneVote(
    {
      language,
      say: (items, opts) => said.push({ items: items.map(show), interrupt: opts?.interrupt ?? true }),
      sendVote: (cmd) => sent.push({ vote_id: cmd.vote_id, choices: cmd.choices, ...(cmd.on_behalf_of ? { on_behalf_of: cmd.on_behalf_of } : {}) }),
    },
    { starTimeoutMs: 2000 },
  );
  const keys = (s: string): void => {
    for (const k of s) dialogue.key(k as Digit);
  };
  return { dialogue, said, sent, keys, last: () => said.at(-1)?.items };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('phone vote dialogue', () => {
  it('yes/no with abstention: menu, read-back, # sends the ballot, counted', () => {
    const h = harness();
    h.dialogue.started(yesNo());
    expect(h.dialogue.state).toBe('choosing');
    expect(h.last()).toEqual(['vote_on', '"Haushalt 2027"', 'vote_menu_yes_no_abstain']);
    h.keys('1');
    expect(h.dialogue.state).toBe('confirming');
    expect(h.last()).toEqual(['vote_you_chose', 'vote_choice_yes', 'vote_confirm']);
    h.keys('3');
    expect(h.last()).toEqual(['vote_you_chose', 'vote_choice_abstain', 'vote_confirm']);
    h.keys('#');
    expect(h.dialogue.state).toBe('sending');
    expect(h.sent).toEqual([{ vote_id: VOTE_ID, choices: ['abstain'] }]);
    h.keys('#1'); // nothing more while the ballot is on its way
    expect(h.sent).toHaveLength(1);
    h.dialogue.voted({ vote_id: VOTE_ID, voter_id: 'participant:p1' });
    expect(h.dialogue.state).toBe('voted');
    expect(h.last()).toEqual(['vote_counted']);
    h.keys('1#*0');
    expect(h.sent).toHaveLength(1);
  });

  it('without abstention the menu has two options; 3 and 0 are not options', () => {
    const h = harness();
    h.dialogue.started(yesNo(false));
    expect(h.last()).toEqual(['vote_on', '"Haushalt 2027"', 'vote_menu_yes_no']);
    h.keys('3');
    expect(h.dialogue.state).toBe('choosing');
    expect(h.last()).toEqual(['vote_not_an_option', 'vote_menu_yes_no']);
    h.keys('0');
    expect(h.last()).toEqual(['vote_not_an_option', 'vote_menu_yes_no']);
    h.keys('#'); // # before a choice: the menu again
    expect(h.last()).toEqual(['vote_menu_yes_no']);
    h.keys('2#');
    expect(h.sent).toEqual([{ vote_id: VOTE_ID, choices: ['no'] }]);
  });

  it('a lone star changes the choice (after the star timeout); star and a digit changes at once', () => {
    const h = harness();
    h.dialogue.started(yesNo());
    h.keys('1*');
    expect(h.dialogue.state).toBe('confirming');
    vi.advanceTimersByTime(1999);
    expect(h.dialogue.state).toBe('confirming');
    vi.advanceTimersByTime(1);
    expect(h.dialogue.state).toBe('choosing');
    expect(h.last()).toEqual(['vote_menu_yes_no_abstain']);
    h.keys('1*2');
    expect(h.dialogue.state).toBe('confirming');
    expect(h.last()).toEqual(['vote_you_chose', 'vote_choice_no', 'vote_confirm']);
    h.keys('#');
    expect(h.sent).toEqual([{ vote_id: VOTE_ID, choices: ['no'] }]);
  });

  it('*6 and *9 stay the IVR commands while voting; *0 repeats the menu or the read-back', () => {
    const h = harness();
    h.dialogue.started(yesNo());
    const n = h.said.length;
    h.keys('*6*9');
    vi.advanceTimersByTime(5000);
    expect(h.said).toHaveLength(n); // nothing said, no choice made
    expect(h.dialogue.state).toBe('choosing');
    h.keys('*0');
    expect(h.last()).toEqual(['vote_on', '"Haushalt 2027"', 'vote_menu_yes_no_abstain']);
    h.keys('2*6');
    expect(h.dialogue.state).toBe('confirming');
    expect(h.dialogue.chosen).toEqual(['no']);
    h.keys('*0');
    expect(h.last()).toEqual(['vote_you_chose', 'vote_choice_no', 'vote_confirm']);
    h.keys('#');
    expect(h.sent).toEqual([{ vote_id: VOTE_ID, choices: ['no'] }]);
  });

  it('candidates: numbered menu by speech, the candidate read back; pseudonymous receipt read out and *0 repeats it', () => {
    const h = harness('de');
    h.dialogue.started(candidates(2));
    expect(h.last()).toEqual(['vote_on', '"Wahl des Vorsitzes"', '"Drücken Sie die 1 für Kandidat 1, die 2 für Kandidat 2, die 3 für Enthaltung."']);
    h.keys('2');
    expect(h.last()).toEqual(['vote_you_chose', '"Kandidat 2"', 'vote_confirm']);
    h.keys('#');
    expect(h.sent).toEqual([{ vote_id: VOTE_ID, choices: ['c2'] }]);
    h.dialogue.voted({ vote_id: VOTE_ID, voter_id: 'participant:p1', receipt_token: 'aB3-' });
    const receipt = ['vote_receipt', `"${spellToken('aB3-', 'de')}"`, 'vote_receipt_repeat'];
    expect(h.last()).toEqual(['vote_counted', ...receipt]);
    h.keys('*0');
    expect(h.last()).toEqual(receipt);
    // The vote closes (all voted): said after the receipt, not over it; the receipt stays repeatable.
    h.dialogue.ended(VOTE_ID, 'stopped');
    expect(h.said.at(-1)).toEqual({ items: ['vote_ended'], interrupt: false });
    h.keys('*0');
    expect(h.last()).toEqual(receipt);
  });

  it('more than nine options: the number is followed by #', () => {
    const h = harness();
    h.dialogue.started(candidates(11));
    expect(h.last()?.at(-1)).toBe('vote_enter_number');
    expect(h.last()?.[2]).toContain('11 for Kandidat 11, 12 to abstain.');
    h.keys('1');
    expect(h.dialogue.state).toBe('choosing');
    h.keys('1#');
    expect(h.last()).toEqual(['vote_you_chose', '"Kandidat 11"', 'vote_confirm']);
    h.keys('#');
    expect(h.sent).toEqual([{ vote_id: VOTE_ID, choices: ['c11'] }]);
    const h2 = harness();
    h2.dialogue.started(candidates(11));
    h2.keys('13#');
    expect(h2.last()?.[0]).toBe('vote_not_an_option');
    h2.keys('#');
    expect(h2.last()?.[0]).toBe('vote_not_an_option');
  });

  it('a long candidate list is spoken one option at a time (nothing cut by the speech length cap)', () => {
    const h = harness();
    const open = candidates(20);
    const long = (i: number) => `Kandidatin ${i + 1} ${'mit einem sehr langen Namen '.repeat(5).trim()}`;
    h.dialogue.started({ ...open, vote: { ...open.vote, options: open.vote.options.map((o, i) => (o.id === 'abstain' ? o : { ...o, label: long(i) })) } });
    const menu = h.last()!.slice(2);
    expect(menu).toHaveLength(21 + 1);
    expect(menu[0]).toBe(`"Press 1 for ${long(0)}."`);
    expect(menu[19]).toBe(`"20 for ${long(19)}."`);
    expect(menu[20]).toBe('"21 to abstain."');
    expect(menu[21]).toBe('vote_enter_number');
    expect(menu.every((m) => m.length <= MAX_SPEECH_CHARS + 2)).toBe(true);
  });

  it('several candidates (max_choices 2): numbers add and remove, # ends the selection, abstain stands alone', () => {
    const h = harness();
    h.dialogue.started(candidates(3, true, 2));
    expect(h.last()?.[2]).toBe('"You may choose up to 2. Press 1 for Kandidat 1, 2 for Kandidat 2, 3 for Kandidat 3, 4 to abstain. Then press hash."');
    h.keys('#'); // nothing chosen yet: the menu again
    expect(h.last()?.[0]).toMatch(/^"You may choose up to 2/);
    h.keys('3');
    expect(h.last()).toEqual(['"Kandidat 3"', 'vote_added']);
    h.keys('1');
    expect(h.dialogue.chosen).toEqual(['c1', 'c3']);
    h.keys('2');
    expect(h.last()).toEqual(['vote_too_many']);
    h.keys('3');
    expect(h.last()).toEqual(['"Kandidat 3"', 'vote_removed']);
    h.keys('2#');
    expect(h.dialogue.state).toBe('confirming');
    expect(h.last()).toEqual(['vote_you_chose', '"Kandidat 1, Kandidat 2"', 'vote_confirm']);
    h.keys('2'); // a change while confirming: back to the selection
    expect(h.dialogue.state).toBe('choosing');
    expect(h.dialogue.chosen).toEqual(['c1']);
    h.keys('#');
    expect(h.last()).toEqual(['vote_you_chose', '"Kandidat 1"', 'vote_confirm']);
    h.keys('#');
    expect(h.sent).toEqual([{ vote_id: VOTE_ID, choices: ['c1'] }]);
    const a = harness();
    a.dialogue.started(candidates(3, true, 2));
    a.keys('14');
    expect(a.last()).toEqual(['vote_you_chose', 'vote_choice_abstain', 'vote_confirm']);
    a.keys('#');
    expect(a.sent).toEqual([{ vote_id: VOTE_ID, choices: ['abstain'] }]);
    // More than nine options: each number with #, and # once more to end.
    const m = harness();
    m.dialogue.started(candidates(11, false, 3));
    m.keys('11#2#');
    expect(m.dialogue.chosen).toEqual(['c2', 'c11']);
    m.keys('#');
    expect(m.last()).toEqual(['vote_you_chose', '"Kandidat 2, Kandidat 11"', 'vote_confirm']);
    m.keys('#');
    expect(m.sent).toEqual([{ vote_id: VOTE_ID, choices: ['c2', 'c11'] }]);
  });

  it.each([
    ['already_voted', 'vote_already_voted', 'voted'],
    ['vote_closed', 'vote_closed', 'idle'],
    ['vote_not_found', 'vote_closed', 'idle'],
    ['not_eligible', 'vote_not_eligible', 'idle'],
  ] as const)('refusal %s → %s, then %s', (code, prompt, state) => {
    const h = harness();
    h.dialogue.started(yesNo());
    h.keys('1#');
    h.dialogue.refused(code);
    expect(h.last()).toEqual([prompt]);
    expect(h.dialogue.state).toBe(state);
    h.keys('2#');
    expect(h.sent).toHaveLength(1);
  });

  it('refusal invalid_choice → the menu again; any other refusal → "could not be cast" and confirm again', () => {
    const h = harness();
    h.dialogue.started(yesNo());
    h.keys('1#');
    h.dialogue.refused('invalid_choice');
    expect(h.dialogue.state).toBe('choosing');
    expect(h.last()).toEqual(['vote_invalid_choice', 'vote_menu_yes_no_abstain']);
    h.keys('2#');
    h.dialogue.refused('rate_limited');
    expect(h.dialogue.state).toBe('confirming');
    expect(h.last()).toEqual(['vote_failed', 'vote_you_chose', 'vote_choice_no', 'vote_confirm']);
    h.keys('#');
    expect(h.sent.map((s) => s.choices)).toEqual([['yes'], ['no'], ['no']]);
    // A refusal that is not an answer to a ballot of ours is ignored.
    h.dialogue.voted({ vote_id: VOTE_ID, voter_id: 'participant:p1' });
    h.dialogue.refused('vote_closed');
    expect(h.dialogue.state).toBe('voted');
  });

  it('a vote stopped or cancelled meanwhile ends the dialogue with a prompt; other votes’ news are ignored', () => {
    for (const how of ['stopped', 'cancelled'] as const) {
      const h = harness();
      h.dialogue.started(yesNo());
      h.keys('1');
      h.dialogue.ended('00000000-0000-4000-8000-000000000000', how);
      expect(h.dialogue.state).toBe('confirming');
      h.dialogue.ended(VOTE_ID, how);
      expect(h.dialogue.state).toBe('idle');
      expect(h.said.at(-1)).toEqual({ items: [how === 'stopped' ? 'vote_ended' : 'vote_cancelled'], interrupt: true });
      h.keys('#');
      expect(h.sent).toHaveLength(0);
    }
  });

  it('not eligible, or voted already: no menu, keys do nothing; losing eligibility meanwhile is said', () => {
    const h = harness();
    h.dialogue.started(yesNo(true, { eligible: false, voter_id: null }));
    expect(h.dialogue.state).toBe('idle');
    h.keys('1#');
    h.dialogue.ended(VOTE_ID, 'stopped');
    expect(h.said).toHaveLength(0);
    expect(h.sent).toHaveLength(0);
    h.dialogue.started(yesNo(true, { voted: ['participant:p1'] }));
    expect(h.dialogue.state).toBe('voted');
    expect(h.said).toHaveLength(0);
    h.dialogue.started(yesNo());
    h.dialogue.you({ vote_id: VOTE_ID, you: you({ eligible: false, voter_id: null }) });
    expect(h.dialogue.state).toBe('idle');
    expect(h.last()).toEqual(['vote_not_eligible']);
    // The server says this voter voted (e.g. a confirmation that came as `you`): counted.
    h.dialogue.started(yesNo());
    h.keys('1');
    h.dialogue.you({ vote_id: VOTE_ID, you: you({ voted: ['participant:p1'] }) });
    expect(h.dialogue.state).toBe('voted');
    expect(h.last()).toEqual(['vote_counted']);
  });

  it('a caller holding a proxy casts their own ballot, then "vote for <name>" with on_behalf_of; receipts of both on *0', () => {
    const h = harness();
    const open = candidates(2);
    h.dialogue.started({ ...open, you: you({ proxy_for: ['participant:p9'] }), eligible: [{ voter_id: 'participant:p1', display_name: '+49 361 ••• 34' }, { voter_id: 'participant:p9', display_name: 'Dora Delegant' }] });
    expect(h.last()).toEqual(['vote_on', '"Wahl des Vorsitzes"', '"Press 1 for Kandidat 1, 2 for Kandidat 2, 3 to abstain."']);
    h.keys('1#');
    expect(h.sent.at(-1)).toEqual({ vote_id: VOTE_ID, choices: ['c1'] });
    h.dialogue.voted({ vote_id: VOTE_ID, voter_id: 'participant:p1', receipt_token: 'AAAA' });
    expect(h.dialogue.state).toBe('choosing');
    expect(h.last()).toEqual(['vote_counted', 'vote_receipt', '"capital alfa, capital alfa, capital alfa, capital alfa."', 'vote_receipt_repeat', 'vote_for', '"Dora Delegant"', '"Press 1 for Kandidat 1, 2 for Kandidat 2, 3 to abstain."']);
    h.keys('*0');
    expect(h.last()?.slice(2, 4)).toEqual(['vote_for', '"Dora Delegant"']);
    h.keys('2#');
    expect(h.sent.at(-1)).toEqual({ vote_id: VOTE_ID, choices: ['c2'], on_behalf_of: 'participant:p9' });
    h.dialogue.voted({ vote_id: VOTE_ID, voter_id: 'participant:p1', receipt_token: 'XXXX' }); // not the ballot on its way
    expect(h.dialogue.state).toBe('sending');
    h.dialogue.voted({ vote_id: VOTE_ID, voter_id: 'participant:p9', receipt_token: 'bbbb' });
    expect(h.dialogue.state).toBe('voted');
    h.keys('*0');
    expect(h.last()).toEqual(['vote_receipt', '"capital alfa, capital alfa, capital alfa, capital alfa."', 'vote_receipt', '"bravo, bravo, bravo, bravo."', 'vote_receipt_repeat']);
  });

  it('proxies given or taken back while the vote runs; only a proxy holder: no own ballot', () => {
    const h = harness();
    h.dialogue.started(yesNo(true, { eligible: false, voter_id: null, proxy_for: ['participant:p9'] }));
    expect(h.dialogue.state).toBe('choosing');
    expect(h.last()?.slice(2, 3)).toEqual(['vote_for']);
    // The delegator takes the proxy back: that ballot is gone.
    h.dialogue.you({ vote_id: VOTE_ID, you: you({ eligible: false, voter_id: null, proxy_for: [] }) });
    expect(h.dialogue.state).toBe('idle');
    expect(h.last()).toEqual(['vote_not_eligible']);
    // A proxy given meanwhile: its ballot is offered (after what is being said).
    h.dialogue.you({ vote_id: VOTE_ID, you: you({ eligible: false, voter_id: null, proxy_for: ['participant:p8'] }) });
    expect(h.dialogue.state).toBe('choosing');
    expect(h.said.at(-1)?.interrupt).toBe(false);
    h.keys('1#');
    expect(h.sent.at(-1)).toEqual({ vote_id: VOTE_ID, choices: ['yes'], on_behalf_of: 'participant:p8' });
    // already_voted for the proxy: said, and nothing further to cast.
    h.dialogue.refused('already_voted');
    expect(h.last()).toEqual(['vote_already_voted']);
    expect(h.dialogue.state).toBe('voted');
  });

  it('spells a receipt token in groups of four by the spelling alphabet', () => {
    expect(spellToken('aB3-x_Z9', 'en')).toBe('alfa, capital bravo, 3, dash. x-ray, underscore, capital zulu, 9.');
    expect(spellToken('aB3-', 'de')).toBe('Anton, groß Berta, 3, Bindestrich.');
  });
});
