import type { SimContext } from "./context.ts";
import { ServerCrashError, type SimServer } from "./sim-server.ts";

/** Request timeout of the simulated devices, in virtual milliseconds. */
export const requestTimeoutMs = 200;

/** The device that sends a request: its id for the trace and its crash count. */
export interface Requester {
  readonly deviceId: string;
  readonly incarnation: number;
}

/** One HTTP request of a device: what the server does with it and what the device does next. */
export interface SimRequest<T> {
  label: string;
  handle: (server: SimServer) => T;
  onResponse: (response: T) => void;
  /** Called after a timeout or a 503 for the whole request. */
  onFailure: () => void;
}

/**
 * Sends a request and calls exactly one of `onResponse` and `onFailure`,
 * unless the device crashed first. The server handles every copy that
 * arrives, because the network duplicates. A response from a server
 * incarnation that has since crashed is lost with its connection.
 */
export function sendRequest<T>(
  context: SimContext,
  requester: Requester,
  request: SimRequest<T>,
): void {
  const { network, server } = context;
  const { deviceId } = requester;
  const { label, onResponse, onFailure } = request;
  const incarnation = requester.incarnation;
  let settled = false;
  const settle = (): boolean => {
    if (settled || incarnation !== requester.incarnation) return false;
    settled = true;
    return true;
  };

  context.scheduler.at(requestTimeoutMs, `${deviceId} ${label} timed out`, () => {
    if (settle()) onFailure();
  });
  network.send(`${deviceId} → server: ${label}`, () => {
    if (!server.up) return;
    const serverIncarnation = server.incarnation;
    if (context.prng.chance(server.unavailableRate)) {
      network.send(`server → ${deviceId}: 503 to ${label}`, () => {
        if (server.incarnation === serverIncarnation && settle()) onFailure();
      });
      return;
    }
    let response: T;
    try {
      response = request.handle(server);
    } catch (error) {
      if (!(error instanceof ServerCrashError)) throw error;
      context.crashServer();
      return;
    }
    network.send(`server → ${deviceId}: response to ${label}`, () => {
      if (server.incarnation !== serverIncarnation) return;
      if (settle()) onResponse(response);
    });
  });
}
