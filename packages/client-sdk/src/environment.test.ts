import { afterEach, expect, test, vi } from "vitest";
import { watchEnvironment } from "./environment.ts";

afterEach(() => {
  vi.unstubAllGlobals();
});

function stubBrowser() {
  const window = new EventTarget();
  const document = Object.assign(new EventTarget(), { visibilityState: "hidden" });
  vi.stubGlobal("addEventListener", window.addEventListener.bind(window));
  vi.stubGlobal("removeEventListener", window.removeEventListener.bind(window));
  vi.stubGlobal("document", document);
  return { window, document };
}

test("online event resumes", () => {
  const { window } = stubBrowser();
  const onResume = vi.fn();
  watchEnvironment(onResume);

  window.dispatchEvent(new Event("online"));

  expect(onResume).toHaveBeenCalledTimes(1);
});

test("page becoming visible resumes, hiding does not", () => {
  const { document } = stubBrowser();
  const onResume = vi.fn();
  watchEnvironment(onResume);

  document.dispatchEvent(new Event("visibilitychange"));
  document.visibilityState = "visible";
  document.dispatchEvent(new Event("visibilitychange"));

  expect(onResume).toHaveBeenCalledTimes(1);
});

test("stop removes the listeners", () => {
  const { window } = stubBrowser();
  const onResume = vi.fn();
  const stop = watchEnvironment(onResume);

  stop();
  window.dispatchEvent(new Event("online"));

  expect(onResume).not.toHaveBeenCalled();
});

test("works where there are no window events", () => {
  expect(() => watchEnvironment(() => {})()).not.toThrow();
});
