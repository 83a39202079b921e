import * as agenda from './agenda/messages.ts';
import * as attendance from './attendance/messages.ts';
import * as breakout from './breakout/messages.ts';
import * as chat from './chat/messages.ts';
import * as hands from './hands/messages.ts';
import * as legalVote from './legal_vote/messages.ts';
import * as minutes from './minutes/messages.ts';
import * as moderation from './moderation/messages.ts';
import * as polls from './polls/messages.ts';
import * as speakerQueue from './speaker_queue/messages.ts';
import * as telephone from './telephone/messages.ts';
import * as recording from './recording/messages.ts';
import * as timer from './timer/messages.ts';

/**
 * Every registered feature's texts, imported from each feature's `messages.ts` alone: the i18n catalogue is
 * part of the first page's script, and going through `registry.ts` would pull every feature's code (the
 * meeting screen, the minutes editor) into it. The catalogue test checks this list holds exactly the
 * registry's texts, so a feature added to the registry but not here fails there.
 */
export const featureMessages = [chat, hands, speakerQueue, attendance, moderation, timer, polls, minutes, agenda, legalVote, breakout, telephone, recording] as const;
