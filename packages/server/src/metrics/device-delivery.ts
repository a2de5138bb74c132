import type { DeliverySample } from "@syncline/protocol";
import type { ServerMetrics } from "./server-metrics.ts";

/**
 * Records one SDK-reported delivery sample: the server's clock now, minus
 * the event's `createdAt`, minus the time the device held the event before
 * reporting it. The figure covers commit, fanout or pull, the network to
 * the device, its local write, and the report's way back. A negative result
 * (a `createdAt` from the future, or a `heldMs` larger than the elapsed
 * time) is recorded as 0.
 */
export function observeDeviceDelivery(
  metrics: ServerMetrics,
  sample: DeliverySample,
  nowMs: number = Date.now(),
): void {
  const latencyMs = Math.max(0, nowMs - Date.parse(sample.createdAt) - sample.heldMs);
  metrics.deviceDeliverySeconds.observe({ via: sample.via }, latencyMs / 1000);
}
