import { featureProtocols } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import type { Self } from '../meeting/meetingSession.ts';
import type { Area } from './feature.ts';
import { registry, slotsOf } from './registry.ts';

const chair: Self = { id: '00000000-0000-4000-8000-000000000001', displayName: 'Chair', role: 'moderator', kind: 'user' };
const guest: Self = { id: '00000000-0000-4000-8000-000000000002', displayName: 'Guest', role: 'participant', kind: 'guest' };

const onScreen = (area: Area, self: Self) => slotsOf(area, self).map(({ feature }) => feature.namespace);

describe('feature registry', () => {
  it('lists each feature once, by the namespace of its protocol', () => {
    const namespaces = registry.map((feature) => feature.namespace);
    expect(new Set(namespaces).size).toBe(namespaces.length);
    const known = featureProtocols.map((protocol) => protocol.namespace);
    for (const namespace of namespaces) expect(known).toContain(namespace);
  });

  it('keeps the order on screen of the header, the banners, the control bar and the announcers', () => {
    expect(onScreen('Badge', guest)).toEqual(['recording', 'timer', 'agenda', 'speaker_queue']);
    expect(onScreen('Banner', guest)).toEqual(['breakout']);
    expect(onScreen('Control', chair)).toEqual(['hands', 'chat', 'agenda', 'polls', 'minutes', 'legal_vote', 'timer', 'recording', 'breakout']);
    expect(onScreen('Announcer', guest)).toEqual(['chat', 'moderation', 'hands', 'timer', 'recording', 'polls', 'agenda', 'legal_vote']);
    expect(onScreen('Overlay', guest)).toEqual(['recording', 'timer']);
    expect(onScreen('ParticipantsSection', chair)).toEqual(['moderation', 'speaker_queue', 'hands', 'attendance', 'telephone']);
  });

  it('shows the moderators’ parts to moderators only', () => {
    expect(onScreen('Control', guest)).toEqual(['hands', 'chat', 'agenda', 'polls', 'minutes', 'legal_vote', 'timer']);
    expect(onScreen('ParticipantsSection', guest)).toEqual(['speaker_queue', 'hands']);
    expect(onScreen('RowActions', chair)).toEqual(['moderation']);
    expect(onScreen('RowActions', guest)).toEqual([]);
    expect(onScreen('Panel', chair).sort()).toEqual(['agenda', 'breakout', 'chat', 'legal_vote', 'minutes', 'polls', 'timer']);
    expect(onScreen('Panel', guest)).not.toContain('breakout');
  });

  it('opens every panel from a control of the same feature, for whoever may see the panel', () => {
    for (const self of [chair, guest]) {
      const controls = onScreen('Control', self);
      for (const panel of onScreen('Panel', self)) expect(controls, panel).toContain(panel);
    }
  });
});
