import { attendanceProtocol } from '@plenum/protocol';
import { defineFeature, moderatorsOnly, type Feature } from '../feature.ts';
import { MeetingAttendance } from './Attendance.tsx';
import { AttendanceStore } from './attendanceStore.ts';
import { de, en } from './messages.ts';

export const attendanceFeature: Feature<typeof en> = defineFeature({
  protocol: attendanceProtocol,
  store: AttendanceStore,
  messages: { en, de },
  ParticipantsSection: { order: 40, visible: moderatorsOnly, Component: MeetingAttendance },
});
