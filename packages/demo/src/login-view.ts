import { userIdSchema } from "@syncline/protocol";
import { button, element, textField } from "./dom.ts";

/**
 * Creates the sign-in form. The demo runs against a dev-mode server, so any
 * valid user id may sign in. `onSignIn` receives the trimmed name.
 */
export function createLoginView(onSignIn: (userId: string) => void): HTMLElement {
  const { field, input } = textField("Your name", {
    name: "user",
    autocomplete: "username",
    placeholder: "alice",
    required: "",
  });
  const error = element("p", { className: "form-error", attributes: { role: "alert" } });
  const form = element("form", { className: "login-form" }, [
    element("h1", { text: "Syncline demo" }),
    element("p", {
      className: "hint",
      text: "Pick a user name. The server is in dev mode, so it hands out a token for any name.",
    }),
    field,
    button("Sign in", "submit", "primary"),
    error,
  ]);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const userId = input.value.trim();
    const parsed = userIdSchema.safeParse(userId);
    if (!parsed.success) {
      error.textContent = `Invalid name: ${parsed.error.issues[0]?.message ?? "rejected"}.`;
      return;
    }
    error.textContent = "";
    onSignIn(userId);
  });
  queueMicrotask(() => input.focus());
  return element("main", { className: "login" }, [form]);
}
