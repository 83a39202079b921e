import { attendanceProtocol, type JoinSuccess, type MessageOf, type SnapshotOf } from '@plenum/protocol';
import { FeatureStore, type FeatureConnection } from '../../meeting/featureStore.ts';

/** The running meeting whose attendance report moderators may download (null: none, or not a moderator). */
export interface AttendanceView {
  meeting: { roomId: string; meetingId: string } | null;
}

/** The attendance feature in the meeting: only which meeting the report links point at. */
export class AttendanceStore extends FeatureStore<typeof attendanceProtocol, AttendanceView> {
  constructor(connection: FeatureConnection) {
    super(connection, attendanceProtocol, { meeting: null });
  }

  override connect(): void {
    super.connect();
    // The links are for the meeting the last join_success named; while the connection is down that may be over.
    this.connection.signaling.onState((state) => {
      if (state.status !== 'joined' && this.view.meeting) this.set({ meeting: null });
    });
  }

  protected joined(snapshot: SnapshotOf<typeof attendanceProtocol>, join: JoinSuccess): void {
    this.set({ meeting: snapshot.meeting_id ? { roomId: join.room.id, meetingId: snapshot.meeting_id } : null });
  }

  protected override joinedWithout(): void {
    this.set({ meeting: null });
  }

  protected handle(_message: MessageOf<typeof attendanceProtocol>): void {
    // `meeting` answers get_meeting, which this client does not send: join_success tells it everything.
  }
}
