// Voting by phone (issue #12, point 5): a sub-state of "in the meeting". When a legal vote opens and the
// caller is eligible, the caller hears the title and a numbered menu, gets the choice read back, confirms with
// # (star changes it) and hears the server's answer: counted (with the receipt token of a pseudonymous vote,
// repeatable with *0) or a typed refusal. *6 and *9 keep working (the IVR handles them; here they are skipped).
//
// Keys: 1…n choose (options in ballot order, abstain last; with more than 9 options the number is followed by
// #), # confirms, a lone * (no second key within `starTimeoutMs`) changes the choice, *0 repeats. A candidate
// vote with `max_choices` > 1: each number adds (or again: removes) a candidate, # ends the selection and the
// read-back follows; abstain stands alone. A caller who holds proxies (`you.proxy_for`) casts one ballot after the
// other — their own first, then "Vote for <name>" for each (`on_behalf_of`).
import { ABSTAIN_OPTION as ABSTAIN, type LegalVoteInfo, type LegalVoteYou } from '@plenum/protocol';
import type { Digit } from '../rtp/dtmf.ts';
import type { Language, SpokenPrompt } from '../ivr/prompts.ts';
import { MAX_SPEECH_CHARS } from '../ivr/tts.ts';

export type Speech = { readonly prompt: SpokenPrompt } | { readonly text: string };

export interface PhoneVotePort {
  readonly language: Language;
  /** Speaks the items in order. `interrupt` (default) cuts short what was being said; otherwise it queues. */
  say(items: Speech[], opts?: { interrupt?: boolean }): void;
  /** Sends `legal_vote/vote`. */
  sendVote(cmd: { action: 'vote'; vote_id: string; choices: string[]; on_behalf_of?: string }): void;
  log?(msg: string, fields?: Record<string, unknown>): void;
}

export type PhoneVoteState = 'idle' | 'choosing' | 'confirming' | 'sending' | 'voted';

/** The open vote as `started` (or the join snapshot's `open`) carries it. */
export interface OpenVote {
  readonly vote: Pick<LegalVoteInfo, 'id' | 'title' | 'kind' | 'options' | 'allow_abstain' | 'max_choices'>;
  readonly you: LegalVoteYou;
  /** The eligible voters (for the names of those whose proxy the caller holds). */
  readonly eligible?: readonly { readonly voter_id: string; readonly display_name: string }[];
}

/** Refusal code → what the caller hears and where the dialogue goes. */
const REFUSALS: Record<string, { prompt: SpokenPrompt; next: 'next_ballot' | 'idle' | 'choosing' }> = {
  already_voted: { prompt: 'vote_already_voted', next: 'next_ballot' },
  vote_closed: { prompt: 'vote_closed', next: 'idle' },
  vote_not_found: { prompt: 'vote_closed', next: 'idle' },
  not_eligible: { prompt: 'vote_not_eligible', next: 'next_ballot' },
  invalid_choice: { prompt: 'vote_invalid_choice', next: 'choosing' },
};

const SINGLE_KEY_OPTIONS = 9;
const MAX_NUMBER_DIGITS = 3;

export class PhoneVote {
  state: PhoneVoteState = 'idle';
  private open: OpenVote | undefined;
  private selection: string[] = [];
  private number = '';
  /** Receipt tokens of this vote's ballots cast by this call (pseudonymous votes). */
  private tokens: string[] = [];
  /** The voter whose ballot is being cast (own voter id, or one whose proxy the caller holds), and those after. */
  private current: string | undefined;
  private pending: string[] = [];
  /** A ballot of ours was counted (or had been already). */
  private counted = false;
  private star = false;
  private starTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly port: PhoneVotePort,
    private readonly opts: { starTimeoutMs?: number } = {},
  ) {}

  get voteId(): string | undefined {
    return this.open?.vote.id;
  }

  /** The choices being selected, confirmed or sent (option ids, in ballot order). */
  get chosen(): readonly string[] {
    return this.selection;
  }

  // ── from the room ──────────────────────────────────────────────────────────

  /** `legal_vote/started`, or the open vote of the join snapshot. */
  started(open: OpenVote): void {
    this.clearStar();
    this.open = open;
    this.selection = [];
    this.number = '';
    this.tokens = [];
    this.current = undefined;
    const { you } = open;
    const own = you.eligible && you.voter_id && !you.voted.includes(you.voter_id) ? [you.voter_id] : [];
    this.pending = [...own, ...you.proxy_for.filter((v) => !you.voted.includes(v))];
    this.counted = you.voted.length > 0;
    const next = this.nextBallot();
    if (next.length === 0) return;
    this.port.log?.('phone vote: menu', { voteId: open.vote.id });
    this.port.say([{ prompt: 'vote_on' }, { text: open.vote.title }, ...next]);
  }

  /** Moves to the next ballot to cast: what to say for it (nothing when all are done). */
  private nextBallot(): Speech[] {
    this.selection = [];
    this.number = '';
    this.current = this.pending.shift();
    if (this.current === undefined) {
      this.state = this.counted ? 'voted' : 'idle';
      return [];
    }
    this.state = 'choosing';
    return [...this.forWhom(), ...this.menu()];
  }

  /** "Vote for <name>" when the ballot is a proxy's. */
  private forWhom(): Speech[] {
    const open = this.open;
    if (!open || this.current === undefined || this.current === open.you.voter_id) return [];
    const name = open.eligible?.find((v) => v.voter_id === this.current)?.display_name ?? '';
    return [{ prompt: 'vote_for' }, { text: name }];
  }

  private mayCast(you: LegalVoteYou, voterId: string): boolean {
    return !you.voted.includes(voterId) && (voterId === you.voter_id ? you.eligible : you.proxy_for.includes(voterId));
  }

  /** `legal_vote/voted` (to this voter only). */
  voted(msg: { vote_id: string; voter_id: string; receipt_token?: string }): void {
    if (!this.open || msg.vote_id !== this.open.vote.id || msg.voter_id !== this.current) return;
    this.counted = true;
    if (msg.receipt_token) this.tokens.push(msg.receipt_token);
    // Never the token: a log line with it and the call would link the pseudonym to the caller.
    this.port.log?.('phone vote: counted', { voteId: msg.vote_id });
    const receipt = msg.receipt_token ? this.receipt([msg.receipt_token]) : [];
    this.port.say([{ prompt: 'vote_counted' }, ...receipt, ...this.nextBallot()]);
  }

  /** `legal_vote/you`: the server's view of what this caller may do (e.g. they voted). */
  you(msg: { vote_id: string; you: LegalVoteYou }): void {
    if (!this.open || msg.vote_id !== this.open.vote.id) return;
    this.open = { ...this.open, you: msg.you };
    const you = msg.you;
    if (you.voted.length > 0) this.counted = true;
    // Proxies taken back or ballots counted elsewhere leave the queue; proxies given meanwhile join it.
    this.pending = this.pending.filter((v) => this.mayCast(you, v));
    for (const v of [...(you.eligible && you.voter_id ? [you.voter_id] : []), ...you.proxy_for]) {
      if (v !== this.current && !this.pending.includes(v) && this.mayCast(you, v)) this.pending.push(v);
    }
    const current = this.current;
    if ((this.state === 'choosing' || this.state === 'confirming') && current !== undefined && !this.mayCast(you, current)) {
      const counted = you.voted.includes(current);
      this.port.say([{ prompt: counted ? 'vote_counted' : 'vote_not_eligible' }, ...this.nextBallot()]);
    } else if ((this.state === 'voted' || this.state === 'idle') && this.pending.length > 0) {
      this.port.say(this.nextBallot(), { interrupt: false });
    }
  }

  /** A `legal_vote` error for our `vote` command. */
  refused(code: string): void {
    if (this.state !== 'sending') return;
    this.port.log?.('phone vote: refused', { voteId: this.open?.vote.id, code });
    const r = REFUSALS[code];
    if (!r) {
      // Anything else (rate limit, storage hiccup): nothing was counted; the caller may confirm again.
      this.state = 'confirming';
      this.port.say([{ prompt: 'vote_failed' }, ...this.readback()]);
      return;
    }
    if (r.next === 'choosing') {
      this.state = 'choosing';
      this.selection = [];
      this.port.say([{ prompt: r.prompt }, ...this.menu()]);
    } else if (r.next === 'idle') {
      this.state = 'idle';
      this.current = undefined;
      this.pending = [];
      this.port.say([{ prompt: r.prompt }]);
    } else {
      if (code === 'already_voted') this.counted = true;
      this.port.say([{ prompt: r.prompt }, ...this.nextBallot()]);
    }
  }

  /** `legal_vote/stopped` or `cancelled`. */
  ended(voteId: string, how: 'stopped' | 'cancelled'): void {
    if (!this.open || voteId !== this.open.vote.id) return;
    const was = this.state;
    this.state = 'idle';
    this.current = undefined;
    this.pending = [];
    this.clearStar();
    if (was === 'idle') return;
    // After the ballot was counted, the news waits for the receipt being read out.
    this.port.say([{ prompt: how === 'cancelled' ? 'vote_cancelled' : 'vote_ended' }], { interrupt: was !== 'voted' });
  }

  // ── from the caller ────────────────────────────────────────────────────────

  key(d: Digit): void {
    if (this.star) {
      this.clearStar();
      if (d === '6' || d === '9') return; // *6 / *9: the IVR's commands
      if (d === '0') return this.repeat();
      if (d === '*') return this.pressStar();
      // Star followed by a choice: change to that choice.
      this.change(false);
    } else if (d === '*') return this.pressStar();
    if (this.state === 'choosing') this.choose(d);
    else if (this.state === 'confirming') {
      if (d === '#') this.confirm();
      else if (this.multi()) {
        // Another number while confirming several: back to the selection, with that change.
        this.state = 'choosing';
        this.choose(d);
      } else this.choose(d);
    }
  }

  /** The call ended. */
  stop(): void {
    this.clearStar();
    this.state = 'idle';
    this.open = undefined;
  }

  private pressStar(): void {
    this.star = true;
    this.starTimer = setTimeout(() => {
      this.starTimer = undefined;
      if (!this.star) return;
      this.star = false;
      this.change(true);
    }, this.opts.starTimeoutMs ?? 2000);
    this.starTimer.unref?.();
  }

  private clearStar(): void {
    this.star = false;
    if (this.starTimer) clearTimeout(this.starTimer);
    this.starTimer = undefined;
  }

  /** A lone star: back to the menu (while confirming), or the menu again (while choosing). */
  private change(speak: boolean): void {
    if (this.state !== 'confirming' && this.state !== 'choosing') return;
    this.state = 'choosing';
    this.selection = [];
    this.number = '';
    if (speak) this.port.say(this.menu());
  }

  private repeat(): void {
    if (this.tokens.length > 0 && (this.state === 'voted' || this.state === 'idle')) this.port.say(this.receipt(this.tokens));
    else if (this.state === 'choosing' && this.open) this.port.say([{ prompt: 'vote_on' }, { text: this.open.vote.title }, ...this.forWhom(), ...this.menu()]);
    else if (this.state === 'confirming') this.port.say(this.readback());
  }

  private choose(d: Digit): void {
    const options = this.open?.vote.options ?? [];
    let n: number;
    if (options.length <= SINGLE_KEY_OPTIONS) {
      if (d === '#') return this.multi() && this.selection.length > 0 ? this.toConfirm() : this.port.say(this.menu());
      n = Number(d);
    } else {
      if (d !== '#') {
        if (this.number.length < MAX_NUMBER_DIGITS) this.number += d;
        return;
      }
      if (this.number === '' && this.multi() && this.selection.length > 0) return this.toConfirm();
      n = Number(this.number || 'NaN');
      this.number = '';
    }
    const option = Number.isInteger(n) && n >= 1 ? options[n - 1] : undefined;
    if (!option) {
      this.port.say([{ prompt: 'vote_not_an_option' }, ...this.menu()]);
      return;
    }
    if (!this.multi() || option.id === ABSTAIN) {
      this.selection = [option.id];
      return this.toConfirm();
    }
    // Several candidates: toggle this one (an abstention chosen before gives way).
    const label: Speech = { text: option.label };
    if (this.selection.includes(option.id)) {
      this.selection = this.selection.filter((id) => id !== option.id);
      return this.port.say([label, { prompt: 'vote_removed' }]);
    }
    const max = this.open?.vote.max_choices ?? 1;
    if (this.selection.filter((id) => id !== ABSTAIN).length >= max) return this.port.say([{ prompt: 'vote_too_many' }]);
    const ids = new Set([...this.selection.filter((id) => id !== ABSTAIN), option.id]);
    this.selection = options.map((o) => o.id).filter((id) => ids.has(id));
    this.port.say([label, { prompt: 'vote_added' }]);
  }

  private toConfirm(): void {
    this.state = 'confirming';
    this.port.say(this.readback());
  }

  /** A candidate vote in which a ballot may name more than one. */
  private multi(): boolean {
    return !this.isYesNo() && (this.open?.vote.max_choices ?? 1) > 1;
  }

  private confirm(): void {
    if (!this.open || this.selection.length === 0) return;
    this.state = 'sending';
    this.port.log?.('phone vote: ballot sent', { voteId: this.open.vote.id });
    const proxy = this.current !== undefined && this.current !== this.open.you.voter_id;
    this.port.sendVote({ action: 'vote', vote_id: this.open.vote.id, choices: [...this.selection], ...(proxy ? { on_behalf_of: this.current } : {}) });
  }

  // ── what is said ───────────────────────────────────────────────────────────

  private isYesNo(): boolean {
    const ids = this.open?.vote.options.map((o) => o.id).join(',');
    return ids === 'yes,no' || ids === 'yes,no,abstain';
  }

  private menu(): Speech[] {
    const open = this.open;
    if (!open) return [];
    if (this.isYesNo()) return [{ prompt: open.vote.options.length === 3 ? 'vote_menu_yes_no_abstain' : 'vote_menu_yes_no' }];
    const options = open.vote.options;
    const de = this.port.language === 'de';
    const parts = options.map((o, i) => {
      const n = i + 1;
      if (o.id === ABSTAIN) return de ? `die ${n} für Enthaltung` : `${n} to abstain`;
      return de ? `die ${n} für ${o.label}` : `${n} for ${o.label}`;
    });
    const press = de ? 'Drücken Sie' : 'Press';
    let texts = [`${press} ${parts.join(', ')}.`];
    // A long list would be cut by the speech length cap: then one rendering per option.
    if ((texts[0]?.length ?? 0) > MAX_SPEECH_CHARS - 100) texts = parts.map((p, i) => (i === 0 ? `${press} ${p}.` : `${p}.`));
    if (this.multi()) {
      const max = open.vote.max_choices;
      texts = [de ? `Sie können bis zu ${max} wählen.` : `You may choose up to ${max}.`, ...texts, de ? 'Drücken Sie danach die Rautetaste.' : 'Then press hash.'];
      if (texts.join(' ').length <= MAX_SPEECH_CHARS) texts = [texts.join(' ')];
    }
    const speech: Speech[] = texts.map((text) => ({ text }));
    return options.length > SINGLE_KEY_OPTIONS ? [...speech, { prompt: 'vote_enter_number' }] : speech;
  }

  private choiceSpeech(): Speech[] {
    const [id] = this.selection;
    if (this.selection.length === 1 && id === 'yes') return [{ prompt: 'vote_choice_yes' }];
    if (this.selection.length === 1 && id === 'no') return [{ prompt: 'vote_choice_no' }];
    if (this.selection.length === 1 && id === ABSTAIN) return [{ prompt: 'vote_choice_abstain' }];
    const labels = this.selection.map((sel) => this.open?.vote.options.find((o) => o.id === sel)?.label ?? '');
    const all = labels.join(', ');
    return all.length <= MAX_SPEECH_CHARS ? [{ text: all }] : labels.map((text) => ({ text }));
  }

  private readback(): Speech[] {
    return [{ prompt: 'vote_you_chose' }, ...this.choiceSpeech(), { prompt: 'vote_confirm' }];
  }

  private receipt(tokens: readonly string[]): Speech[] {
    if (tokens.length === 0) return [];
    return [...tokens.flatMap((t): Speech[] => [{ prompt: 'vote_receipt' }, { text: spellToken(t, this.port.language) }]), { prompt: 'vote_receipt_repeat' }];
  }
}

const NATO = ['alfa', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliett', 'kilo', 'lima', 'mike', 'november', 'oscar', 'papa', 'quebec', 'romeo', 'sierra', 'tango', 'uniform', 'victor', 'whiskey', 'x-ray', 'yankee', 'zulu'];
// DIN 5009 (the long-standing names).
const DIN = ['Anton', 'Berta', 'Cäsar', 'Dora', 'Emil', 'Friedrich', 'Gustav', 'Heinrich', 'Ida', 'Julius', 'Kaufmann', 'Ludwig', 'Martha', 'Nordpol', 'Otto', 'Paula', 'Quelle', 'Richard', 'Samuel', 'Theodor', 'Ulrich', 'Viktor', 'Wilhelm', 'Xanthippe', 'Ypsilon', 'Zacharias'];

/**
 * A receipt token (base64url) as text to speak: in groups of four, each character on its own — digits as
 * digits, letters by the spelling alphabet of the language with "capital"/"groß" for upper case.
 */
export function spellToken(token: string, lang: Language): string {
  const de = lang === 'de';
  const words = [...token].map((c) => {
    if (/[0-9]/.test(c)) return c;
    const lower = c.toLowerCase();
    const i = lower.charCodeAt(0) - 97;
    if (i >= 0 && i < 26) {
      const name = (de ? DIN : NATO)[i] ?? lower;
      if (c === lower) return name;
      return de ? `groß ${name}` : `capital ${name}`;
    }
    if (c === '-') return de ? 'Bindestrich' : 'dash';
    if (c === '_') return de ? 'Unterstrich' : 'underscore';
    return '';
  });
  const groups: string[] = [];
  for (let i = 0; i < words.length; i += 4) groups.push(words.slice(i, i + 4).filter(Boolean).join(', '));
  return `${groups.join('. ')}.`;
}
