import { userIdSchema } from "@syncline/protocol";
import { type FormEvent, useState } from "react";

/**
 * The sign-in form. The demo runs against a dev-mode server, so any valid
 * user id may sign in. `onSignIn` receives the trimmed name.
 */
export function LoginView({ onSignIn }: { onSignIn: (userId: string) => void }) {
  const [error, setError] = useState("");

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const userId = String(new FormData(event.currentTarget).get("user") ?? "").trim();
    const parsed = userIdSchema.safeParse(userId);
    if (!parsed.success) {
      setError(`Invalid name: ${parsed.error.issues[0]?.message ?? "rejected"}.`);
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
