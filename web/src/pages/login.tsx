import { useState } from 'preact/hooks';
import { api, unwrap, type Session } from '../api/client.ts';
import { ErrorNote } from '../components/ui.tsx';

/** Log in with the API's own accounts (POST /api/auth/login); the token lives in sessionStorage. */
export function LoginPage({ onLogin }: { onLogin: (s: Session) => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      onLogin(await unwrap(api.POST('/api/auth/login', { body: { email: String(form.get('email')), password: String(form.get('password')) } })));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <section class="login">
      <h1>Provisioner</h1>
      <p class="muted">Operator dashboard: log in with your Provisioner account.</p>
      <form onSubmit={submit} class="stack">
        <label>
          Email
          <input name="email" type="email" autocomplete="username" required autofocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" required />
        </label>
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </section>
  );
}
