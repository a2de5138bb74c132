import { userIdSchema } from "@syncline/protocol";
import { type FormEvent, useState } from "react";
import { fetchDevToken } from "./sdk.ts";

/**
 * The sign-in form. The demo runs against a dev-mode server, so any valid
 * user id may sign in. `onSignIn` receives the trimmed name.
 */
export function LoginView({ onSignIn }: { onSignIn: (userId: string) => void }) {
  const [error, setError] = useState("");

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const userId = String(new FormData(event.currentTarget).get("user") ?? "").trim();
    const parsed = userIdSchema.safeParse(userId);
    if (!parsed.success) {
      setError(`Invalid name: ${parsed.error.issues[0]?.message ?? "rejected"}.`);
      return;
    }
    if (!(await isDevServer(parsed.data))) {
      setError(
        "This server has AUTH_SECRET set, so it hands out no demo tokens. Start it without AUTH_SECRET to use the demo.",
      );
      return;
    }
    onSignIn(parsed.data);
  };

  return (
    <main className="login">
      <form className="login-form" onSubmit={submit}>
        <h1>Syncline demo</h1>
        <p className="hint">
          Pick a user name. The server is in dev mode, so it hands out a token for any name.
        </p>
        <label className="field">
          <span>Your name</span>
          <input name="user" autoComplete="username" placeholder="alice" required />
        </label>
        <button type="submit" className="primary">
          Sign in
        </button>
        <p className="form-error" role="alert">
          {error}
        </p>
      </form>
    </main>
  );
}

/**
 * Tells whether the server hands out dev tokens. Only a `not_found` response
 * means no, so an unreachable server still lets the user in to work offline.
 */
async function isDevServer(userId: string): Promise<boolean> {
  try {
    await fetchDevToken(location.origin, userId);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code !== "not_found";
  }
}
