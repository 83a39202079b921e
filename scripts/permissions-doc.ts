// The text of docs/permissions.md, generated from the permission policy (packages/server/src/permissions.ts).
import { restPolicy, restRoles, roles, signalingRules, type Role, type Rule } from '../packages/server/src/permissions.ts';

const yes = (rule: Rule, role: Role) => (rule.allowed.includes(role) ? '✓' : '—');
const cell = (text: string) => text.replaceAll('|', '\\|');

export function permissionsDoc(): string {
  const lines = [
    '# Permissions',
    '',
    '<!-- Generated from packages/server/src/permissions.ts by `node --import tsx scripts/update-permissions-doc.ts`; do not edit. -->',
    '',
    'Who may use which signaling command and which REST operation. The policy is the specification: the',
    'features and routes enforce it, and `packages/server/src/permissions.test.ts` (signaling) and',
    '`permissions.rest.test.ts` (REST) run every entry against a real server — a refused role gets the typed',
    'refusal and nothing changes; a command or route without an entry fails the tests.',
    '',
    'Roles: **owner** (the room\u2019s owner or an admin; joins as moderator), **moderator** (granted by an owner',
    'in the meeting), **roster member** (a logged-in user with a seat on the room\u2019s roster), **user** (any other',
    'logged-in user), **guest** (came with an invite link), **sip** (a phone caller from the SIP gateway, not',
    'built yet: guest-like), **anonymous** (no session, no ticket: cannot open signaling at all).',
    '',
    '## Signaling commands',
    '',
    `| command | ${roles.join(' | ')} | refusal | condition |`,
    `|---|${roles.map(() => ':-:').join('|')}|---|---|`,
  ];
  for (const { namespace, action, rule } of signalingRules()) {
    const refusal = rule.allowed.length === roles.length - 1 ? '—' : `\`${rule.refusal ?? 'forbidden'}\``;
    lines.push(`| \`${namespace}/${action}\` | ${roles.map((r) => yes(rule, r)).join(' | ')} | ${refusal} | ${cell(rule.note ?? '')} |`);
  }
  lines.push(
    '',
    'Anonymous callers and connections that have not joined get `not_joined` for everything but `control/join`.',
    '',
    '## REST operations',
    '',
    'Inside a meeting a moderator or roster member is a **user** here; phone callers have no REST access. A refusal',
    'is `401` without a session, `403` with a session that lacks the right, or the status named; always',
    '`application/problem+json`. An admin may do everything an owner may.',
    '',
    `| operation | ${restRoles.join(' | ')} | refusal | what | condition |`,
    `|---|${restRoles.map(() => ':-:').join('|')}|---|---|---|`,
  );
  for (const [key, rule] of Object.entries(restPolicy)) {
    const refusal = rule.allowed.length === roles.length ? '—' : rule.refusalStatus ? String(rule.refusalStatus) : '401 / 403';
    lines.push(`| \`${key}\` | ${restRoles.map((r) => yes(rule, r)).join(' | ')} | ${refusal} | ${cell(rule.summary)} | ${cell(rule.note ?? '')} |`);
  }
  return `${lines.join('\n')}\n`;
}
