import { describe, expect, it } from 'vitest';
import { AgendaItemInput, RosterMemberInput } from './agenda.ts';
import { ChatSendMessage } from './chat.ts';
import { ControlJoin } from './control.ts';
import { LegalVoteCancel, LegalVoteReportIssue, LegalVoteStart } from './legal_vote.ts';
import { InviteCreate, RoomCreate, StartInvitedRequest } from './rooms.ts';
import { forbiddenCharacter, sanitizeSingleLine, singleLine, text } from './text.ts';

const refused = [
  ['NUL', 'Eve\u0000'],
  ['a C0 control', 'a\u0007b'],
  ['ESC', 'a\u001b[31mb'],
  ['DEL', 'a\u007fb'],
  ['a C1 control (NEL)', 'a\u0085b'],
  ['a C1 control (CSI)', 'a\u009bb'],
  ['a bidi override (RLO)', 'invoice\u202Efdp.exe'],
  ['a bidi embedding (LRE)', '\u202Aabc'],
  ['a bidi isolate (RLI)', 'a\u2067b'],
  ['a bidi isolate (PDI)', 'a\u2069b'],
  ['a lone high surrogate', 'a\uD83Db'],
  ['a lone low surrogate', 'a\uDE00b'],
  ['a high surrogate at the end', 'ab\uD83D'],
] as const;

describe('text()', () => {
  const line = singleLine(100);
  const multi = text({ max: 100, multiline: true });

  it.each(refused)('refuses %s in single- and multi-line text, naming the character', (_what, value) => {
    for (const schema of [line, multi]) {
      const result = schema.safeParse(value);
      expect(result.success).toBe(false);
      expect(result.error?.issues).toHaveLength(1);
      expect(result.error?.issues[0]?.message).toMatch(/^must not contain .*\(U\+[0-9A-F]{4}\)$/);
    }
  });

  it('allows LF and TAB only in multi-line text', () => {
    expect(line.safeParse('a\nb').success).toBe(false);
    expect(line.safeParse('a\tb').success).toBe(false);
    expect(multi.parse('a\nb\tc')).toBe('a\nb\tc');
    // CR LF (what some clients send) becomes LF; a lone CR is refused.
    expect(multi.parse('a\r\nb')).toBe('a\nb');
    expect(multi.safeParse('a\rb').success).toBe(false);
    expect(line.safeParse('a\r\nb').success).toBe(false);
  });

  it('normalises to NFC and trims single-line text', () => {
    expect(line.parse('e\u0301')).toBe('\u00e9');
    expect(line.parse('  Ame\u0301lie  ')).toBe('Am\u00e9lie');
    expect(multi.parse('  e\u0301\n')).toBe('  \u00e9\n');
    expect(text({ max: 100, multiline: true, trim: true }).parse('  e\u0301\n')).toBe('\u00e9');
  });

  it('keeps ordinary text: letters of any script, emoji (surrogate pairs), marks, punctuation', () => {
    for (const value of ['Zoë Øster-Łukasiewicz', 'محمد', '李小龙', 'Ana 😀', 'a\u200Fb', 'Tagesordnung § 3 (öffentlich)']) {
      expect(line.parse(value)).toBe(value.normalize('NFC'));
    }
  });

  it('counts length after normalising and trimming', () => {
    const short = singleLine(3);
    expect(short.parse(' e\u0301e\u0301e\u0301 ')).toBe('\u00e9\u00e9\u00e9');
    expect(short.safeParse('abcd').success).toBe(false);
    expect(short.safeParse('   ').success).toBe(false);
    expect(singleLine(3, 0).parse('   ')).toBe('');
  });

  it('forbiddenCharacter finds the first refused code point', () => {
    expect(forbiddenCharacter('ok')).toBeUndefined();
    expect(forbiddenCharacter('a\u0000\u202E')).toBe(0);
    expect(forbiddenCharacter('a\nb')).toBe(0x0a);
    expect(forbiddenCharacter('a\nb', true)).toBeUndefined();
    expect(forbiddenCharacter('😀')).toBeUndefined();
  });

  it('sanitizeSingleLine drops what text() refuses, collapses whitespace, keeps the rest in NFC', () => {
    expect(sanitizeSingleLine(' Eve\u0000 \u202EAdmin\u202C\n\tBerg ', 200)).toBe('Eve Admin Berg');
    expect(sanitizeSingleLine('Ame\u0301lie', 200)).toBe('Am\u00e9lie');
    expect(sanitizeSingleLine('\u0000\u202E', 200)).toBe('');
    expect(sanitizeSingleLine('ab😀', 3)).toBe('ab');
  });
});

describe('the protocol uses text() for human text', () => {
  const nul = 'Eve\u0000';

  it('REST bodies: room name, invite label, guest name, roster name, agenda title and texts', () => {
    expect(RoomCreate.safeParse({ name: nul }).error?.issues[0]?.path).toEqual(['name']);
    expect(InviteCreate.safeParse({ label: nul }).error?.issues[0]?.path).toEqual(['label']);
    expect(StartInvitedRequest.safeParse({ invite_code: 'a'.repeat(22), display_name: nul }).error?.issues[0]?.path).toEqual(['display_name']);
    expect(RosterMemberInput.safeParse({ display_name: nul, role: 'member' }).error?.issues[0]?.path).toEqual(['display_name']);
    expect(AgendaItemInput.safeParse({ title: nul }).error?.issues[0]?.path).toEqual(['title']);
    expect(AgendaItemInput.safeParse({ title: 'T', description: 'x\u202Ey' }).error?.issues[0]?.path).toEqual(['description']);
    expect(AgendaItemInput.parse({ title: 'T', description: 'line 1\nline 2', motion: 'e\u0301' })).toMatchObject({ description: 'line 1\nline 2', motion: '\u00e9' });
    expect(RoomCreate.parse({ name: 'Re\u0301union' }).name).toBe('R\u00e9union');
  });

  it('signaling commands: chat text, join name, vote title, candidates, reports, reasons', () => {
    expect(ChatSendMessage.safeParse({ action: 'send_message', text: nul, to: { scope: 'room' } }).error?.issues[0]?.path).toEqual(['text']);
    expect(ChatSendMessage.parse({ action: 'send_message', text: 'hi\nthere', to: { scope: 'room' } }).text).toBe('hi\nthere');
    expect(ControlJoin.safeParse({ action: 'join', protocol_version: 1, display_name: nul }).success).toBe(false);
    const start = { action: 'start', kind: 'secret', options: { type: 'yes_no' } } as const;
    expect(LegalVoteStart.safeParse({ ...start, title: 'a\u202Eb' }).error?.issues[0]?.path).toEqual(['title']);
    expect(LegalVoteStart.safeParse({ ...start, title: 'T', options: { type: 'candidates', candidates: ['A', 'B\u0085'] } }).error?.issues[0]?.path).toEqual(['options', 'candidates', 1]);
    const voteId = crypto.randomUUID();
    expect(LegalVoteReportIssue.parse({ action: 'report_issue', vote_id: voteId, text: ' I could not\nvote ' }).text).toBe('I could not\nvote');
    expect(LegalVoteCancel.safeParse({ action: 'cancel', vote_id: voteId, reason: 'a\nb' }).success).toBe(false);
  });
});
