import { useEffect, useState } from 'preact/hooks';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { api, loadSession, saveSession, setUnauthenticatedHandler, type Session } from './api/client.ts';
import { LoginPage } from './pages/login.tsx';
import { FleetPage } from './pages/fleet.tsx';
import { TenantPage } from './pages/tenant.tsx';
import { EnginesPage } from './pages/engines.tsx';
import { UsersPage } from './pages/users.tsx';
import { WebhooksPage } from './pages/webhooks.tsx';

/** platform_admin, and platform_viewer: reads the fleet, engines and users, changes nothing. */
export const isPlatformUser = (s: Session) => s.user.role.startsWith('platform_');

type Theme = 'light' | 'dark';
const initialTheme = (): Theme => (localStorage.getItem('provisioner.theme') as Theme | null) ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');

function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('provisioner.theme', theme);
  }, [theme]);
  const next = theme === 'dark' ? 'light' : 'dark';
  return (
    <button type="button" class="ghost" aria-label={`Switch to ${next} theme`} onClick={() => setTheme(next)}>
      {theme === 'dark' ? '☀' : '☾'} <span class="wide-only">{next === 'dark' ? 'Dark' : 'Light'}</span>
    </button>
  );
}

function Shell({ session, onLogout }: { session: Session; onLogout: () => void }) {
  const { path } = useLocation();
  const admin = isPlatformUser(session);
  // webhooks send fleet events to URLs of an admin's choosing: the API allows platform admins only, reads too
  const platformAdmin = session.user.role === 'platform_admin';
  const link = (href: string, label: string, active: boolean) => (
    <a href={href} aria-current={active ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="/">
          Provisioner
        </a>
        <nav aria-label="Main">
          {link('/', 'Fleet', path === '/' || path.startsWith('/tenants'))}
          {admin ? link('/engines', 'Engines', path === '/engines') : null}
          {admin ? link('/users', 'Users', path === '/users') : null}
          {platformAdmin ? link('/webhooks', 'Webhooks', path === '/webhooks') : null}
        </nav>
        <div class="session">
          <span class="who wide-only" title={session.user.role}>
            {session.user.email}
          </span>
          <ThemeToggle />
          <button type="button" class="ghost" onClick={onLogout}>
            Log out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Router>
          <Route path="/" component={FleetPage} session={session} />
          <Route path="/tenants" component={FleetPage} session={session} />
          <Route path="/tenants/:id" component={TenantPage} session={session} />
          <Route path="/engines" component={admin ? EnginesPage : NotAllowed} session={session} />
          <Route path="/users" component={admin ? UsersPage : NotAllowed} session={session} />
          <Route path="/webhooks" component={platformAdmin ? WebhooksPage : NotAllowed} session={session} who="platform admins" />
          <Route path="/login" component={() => <Redirect to="/" />} />
          <Route default component={NotFound} />
        </Router>
      </main>
    </>
  );
}

function Redirect({ to }: { to: string }) {
  const { route } = useLocation();
  useEffect(() => route(to, true), [to]);
  return null;
}

function NotAllowed({ who = 'platform admins and viewers' }: { who?: string; session: Session }) {
  return (
    <section>
      <h1>Not allowed</h1>
      <p>This page is for {who}.</p>
    </section>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        <a href="/">Back to the fleet</a>
      </p>
    </section>
  );
}

function Root() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const { route, url } = useLocation();
  const logout = () => {
    saveSession(null);
    setSession(null);
    route('/login', true);
  };
  setUnauthenticatedHandler(logout);
  // a stored token that the API no longer accepts: the 401 handler logs out
  useEffect(() => {
    if (session) void api.GET('/api/auth/me');
  }, []);
  if (!session)
    return (
      <main id="main">
        <LoginPage
          onLogin={(s) => {
            saveSession(s);
            setSession(s);
            if (url.startsWith('/login')) route('/', true);
          }}
        />
      </main>
    );
  return <Shell session={session} onLogout={logout} />;
}

export function App() {
  return (
    <LocationProvider>
      <Root />
    </LocationProvider>
  );
}
