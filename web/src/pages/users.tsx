import { useEffect, useState } from 'preact/hooks';
import { api, unwrap, type UserRow } from '../api/client.ts';
import { ErrorNote, Loading, time } from '../components/ui.tsx';

/** Users (platform admins only): every account with its role and tenant, and a form to add one. */
export function UsersPage() {
  const [users, setUsers] = useState<UserRow[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [formError, setFormError] = useState<unknown>(null);
  const [role, setRole] = useState<UserRow['role']>('tenant_admin');

  const load = async () => {
    try {
      setUsers((await unwrap(api.GET('/api/users'))).users);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => void load(), []);

  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    const tenant = String(f.get('tenant_id') ?? '').trim();
    setFormError(null);
    try {
      await unwrap(
        api.POST('/api/users', {
          body: { email: String(f.get('email')), name: String(f.get('name') ?? '').trim() || undefined, password: String(f.get('password')), role, ...(role === 'platform_admin' ? {} : { tenant_id: tenant }) },
        }),
      );
      form.reset();
      await load();
    } catch (err) {
      setFormError(err);
    }
  };

  return (
    <section>
      <h1>Users</h1>
      <ErrorNote error={error} />
      {users === null ? (
        <Loading />
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Users ({users.length})</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Tenant</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr>
                  <th scope="row" data-label="Email">
                    {u.email}
                  </th>
                  <td data-label="Name">{u.name ?? '—'}</td>
                  <td data-label="Role">{u.role}</td>
                  <td data-label="Tenant">{u.tenant_id ? <a href={`/tenants/${u.tenant_id}`}>{u.tenant_id.slice(0, 8)}</a> : '—'}</td>
                  <td data-label="Created">{time(u.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <section class="card" aria-labelledby="add-user-title">
        <h2 id="add-user-title">Add a user</h2>
        <form class="grid2" onSubmit={submit}>
          <label>
            Email
            <input name="email" type="email" required autocomplete="off" />
          </label>
          <label>
            Name <span class="muted small">(optional)</span>
            <input name="name" />
          </label>
          <label>
            Password
            <input name="password" type="password" required minLength={10} autocomplete="new-password" />
          </label>
          <label>
            Role
            <select value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value as UserRow['role'])}>
              <option value="tenant_admin">tenant_admin</option>
              <option value="tenant_user">tenant_user</option>
              <option value="platform_admin">platform_admin</option>
            </select>
          </label>
          {role !== 'platform_admin' ? (
            <label>
              Tenant id
              <input name="tenant_id" required pattern="[0-9a-fA-F-]{36}" />
            </label>
          ) : null}
          <ErrorNote error={formError} />
          <div>
            <button type="submit" class="primary">
              Add user
            </button>
          </div>
        </form>
      </section>
    </section>
  );
}
