import type { BroadcastChannelConstructorLike, BroadcastChannelLike } from "../broadcast.ts";

/**
 * A switch over `BroadcastChannel` for one simulated tab: while muted, the
 * tab's channels neither send nor receive, as with a tab that stopped
 * running. Messages are dropped rather than queued.
 */
export class ChannelMute {
  muted = false;
  readonly Channel: BroadcastChannelConstructorLike;

  constructor() {
    const mute = this;
    this.Channel = class MutedChannel implements BroadcastChannelLike {
      onmessage: ((event: MessageEvent) => void) | null = null;
      private readonly channel: BroadcastChannel;

      constructor(name: string) {
        this.channel = new BroadcastChannel(name);
        this.channel.onmessage = (event) => {
          if (!mute.muted) this.onmessage?.(event);
        };
      }

      postMessage(message: unknown): void {
        if (!mute.muted) this.channel.postMessage(message);
      }

      close(): void {
        this.channel.close();
      }
    };
  }
}
