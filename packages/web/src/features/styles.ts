/**
 * Every feature's stylesheet, loaded with the first page in the order they have always been bundled (before
 * the app's own `styles.css`), although their code is split off and loaded later: a stylesheet that arrived with
 * its lazy chunk would come after `styles.css` and change the cascade. All of them together are ~5 kB gzipped.
 * A feature that adds a stylesheet adds it here too (the build-output test checks that none is left in a chunk).
 */
import './agenda/agenda.css';
import './chat/chat.css';
import './hands/hands.css';
import './speaker_queue/speaker_queue.css';
import './moderation/moderation.css';
import './timer/timer.css';
import './polls/polls.css';
import './minutes/minutes.css';
import './legal_vote/legalVote.css';
import './breakout/breakout.css';
import './telephone/telephone.css';
import './recording/recording.css';
