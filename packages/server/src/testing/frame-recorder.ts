import type { ServerFrame } from "@syncline/protocol";
import type { HubSocket, SocketHub } from "../ws/socket-hub.ts";

/** A fake socket registered in a hub that records the frames sent to one user. */
export interface FrameRecorder {
  frames: ServerFrame[];
  /** Frames of one type, in the order they came. */
  ofType<T extends ServerFrame["type"]>(type: T): Extract<ServerFrame, { type: T }>[];
  detach(): void;
}

/** Registers a recording socket for `userId` in the hub. */
export function recordFrames(hub: SocketHub, userId: string): FrameRecorder {
  const frames: ServerFrame[] = [];
  const socket: HubSocket = {
    connectionId: `recorder-${userId}`,
    userId,
    sendText: (text) => frames.push(JSON.parse(text) as ServerFrame),
    close: () => hub.remove(socket),
  };
  hub.add(socket);
  return {
    frames,
    ofType: (type) => frames.filter((frame) => frame.type === type) as never,
    detach: () => hub.remove(socket),
  };
}
